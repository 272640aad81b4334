package inventory

// The keys of Package.Properties. Values are short strings; absent keys mean "the format did not
// say". Matchers may rely on them to lower confidence, never to drop a package silently.
const (
	// PropVersionSource says where the version of the Go "stdlib" package came from:
	// VersionFromToolchain (go.mod's toolchain line: the toolchain the module asks for),
	// VersionFromGoDirective (go.mod's go line: only a minimum, the real toolchain may be newer),
	// or VersionFromBinary (the toolchain that compiled a binary: exact).
	PropVersionSource = "go.versionSource"
	// PropGoDirective is the go.mod go line, kept on the stdlib package even when the version came
	// from the toolchain line.
	PropGoDirective = "go.directive"
	// PropReplaces is set when a Go replace directive swapped the required module for this one: the
	// original "path@version".
	PropReplaces = "go.replaces"
	// PropLocalReplace is set when a Go replace directive points the module at a local directory:
	// the code built is that directory, not the named version, so a match is less certain.
	PropLocalReplace = "go.localReplace"
	// PropScope is ScopeDev for packages only needed to develop or test (npm devDependencies,
	// Poetry dev groups, Maven test scope), ScopeOptional for optional ones.
	PropScope = "scope"
	// PropSpecifier is the version constraint as written, kept when the source pins no exact
	// version (a requirements.txt line "flask>=2"): Version is then empty and must not be matched
	// as if every version were affected.
	PropSpecifier = "specifier"
	// PropMarker is a Python environment marker ("python_version < \"3.8\""): the package is only
	// installed where it holds.
	PropMarker = "marker"
	// PropExtras are the Python extras a requirement asks for ("redis,sqs"): they pull in more
	// packages than the bare name.
	PropExtras = "extras"
	// PropPlatform is the platform a RubyGems or binary package was built for ("x86_64-linux").
	PropPlatform = "platform"
	// PropArch is the architecture an OS package was built for ("amd64", "x86_64", "noarch").
	PropArch = "arch"
	// PropDistro is the distribution an OS package was installed on, as the purl distro qualifier
	// writes it ("debian-12", "alpine-3.20.3", "rhel-9.4").
	PropDistro = "distro"
)

// The values of PropVersionSource.
const (
	VersionFromToolchain   = "toolchain"
	VersionFromGoDirective = "go-directive"
	VersionFromBinary      = "binary"
)

// The values of PropScope.
const (
	ScopeDev      = "dev"
	ScopeOptional = "optional"
)

// Stdlib is the name under which the Go standard library appears, as the Go vulnerability
// database names it, so a matcher needs no special case to look it up.
const Stdlib = "stdlib"

// The keys of Package.Properties that say where inside a file a package was found and how sure
// its identity is.
const (
	// PropArchivePath is set on a package found in an archive nested inside the file at
	// Location.Path: its path there, nested archives joined with "!/"
	// ("BOOT-INF/lib/spring-core-6.1.2.jar").
	PropArchivePath = "java.archivePath"
	// PropIdentity says how a Java archive's coordinates were found: IdentityPomProperties (what
	// Maven wrote), IdentityManifest (the manifest's Implementation-/Bundle- headers: less sure) or
	// IdentityFileName (the file name alone: a last resort).
	PropIdentity = "java.identity"
)

// The values of PropIdentity.
const (
	IdentityPomProperties = "pom.properties"
	IdentityManifest      = "manifest"
	IdentityFileName      = "file-name"
)

package license_test

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/inventory/license"
)

func ExampleNormalize() {
	for _, name := range []string{"Apache 2.0", "MIT License", "BSD", "GPLv3+", "MIT/Apache-2.0", "Acme EULA"} {
		id, ok := license.Normalize(name)
		fmt.Printf("%q -> %q %v\n", name, id, ok)
	}
	// Output:
	// "Apache 2.0" -> "Apache-2.0" true
	// "MIT License" -> "MIT" true
	// "BSD" -> "BSD-3-Clause" true
	// "GPLv3+" -> "GPL-3.0-or-later" true
	// "MIT/Apache-2.0" -> "MIT OR Apache-2.0" true
	// "Acme EULA" -> "" false
}

package imageconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/palisade-sec/palisade/internal/iac/dockerfile"
)

func TestInstruction(t *testing.T) {
	for _, tc := range []struct {
		name, createdBy string
		want            dockerfile.Instruction
		args            [][2]string
	}{
		{"classic metadata", "/bin/sh -c #(nop)  ENV A=b C=two words", dockerfile.Instruction{Cmd: "ENV", Args: []string{"A", "b", "=", "C", "two words", "="}}, nil},
		{"classic old env form", "/bin/sh -c #(nop)  ENV GOLANG_VERSION 1.21.0", dockerfile.Instruction{Cmd: "ENV", Args: []string{"GOLANG_VERSION", "1.21.0", "="}}, nil},
		{"classic run", "/bin/sh -c apt-get update", dockerfile.Instruction{Cmd: "RUN", Args: []string{"apt-get update"}}, nil},
		{"classic run with build args", "|2 A=1 B=2 /bin/sh -c make", dockerfile.Instruction{Cmd: "RUN", Args: []string{"make"}}, [][2]string{{"A", "1"}, {"B", "2"}}},
		{"classic add", "/bin/sh -c #(nop) ADD file:abc in / ", dockerfile.Instruction{Cmd: "ADD", Args: []string{"file:abc", "/"}}, nil},
		{"classic add url", "/bin/sh -c #(nop) ADD https://x.example/a.tgz in /opt ", dockerfile.Instruction{Cmd: "ADD", Args: []string{"https://x.example/a.tgz", "/opt"}}, nil},
		{"windows metadata", "cmd /S /C #(nop)  EXPOSE 4222 6222 8222", dockerfile.Instruction{Cmd: "EXPOSE", Args: []string{"4222", "6222", "8222"}}, nil},
		{"windows run", `cmd /S /C powershell -Command "iwr https://x"`, dockerfile.Instruction{Cmd: "RUN", Args: []string{`powershell -Command "iwr https://x"`}}, nil},
		{"shell set by SHELL", "/bin/bash -o pipefail -c curl x | tar x", dockerfile.Instruction{Cmd: "RUN", Args: []string{"curl x | tar x"}}, nil},
		{"buildkit run", "RUN |1 NPM_TOKEN=abc /bin/sh -c npm ci # buildkit", dockerfile.Instruction{Cmd: "RUN", Args: []string{"npm ci"}}, [][2]string{{"NPM_TOKEN", "abc"}}},
		{"buildkit run, short count", "RUN |3 A=1 /bin/sh -c x", dockerfile.Instruction{Cmd: "RUN", Args: []string{"x"}}, [][2]string{{"A", "1"}}},
		{"buildkit expose", "EXPOSE map[22/tcp:{} 80/tcp:{}]", dockerfile.Instruction{Cmd: "EXPOSE", Args: []string{"22/tcp", "80/tcp"}}, nil},
		{"buildkit add with flag", "ADD --chmod=755 https://x.example/t /t # buildkit", dockerfile.Instruction{Cmd: "ADD", Flags: []string{"--chmod=755"}, Args: []string{"https://x.example/t", "/t"}}, nil},
		{"buildkit label", `LABEL a.b=c d="e f"`, dockerfile.Instruction{Cmd: "LABEL", Args: []string{"a.b", "c", "=", "d", "e f", "="}}, nil},
		{"buildkit cmd", `CMD ["node" "server.js"]`, dockerfile.Instruction{Cmd: "CMD", Args: []string{`["node" "server.js"]`}, JSON: true}, nil},
		{"unknown tool", "bazel build //app:image", dockerfile.Instruction{Cmd: "RUN", Args: []string{"bazel build //app:image"}}, nil},
		{"empty", "", dockerfile.Instruction{Cmd: "RUN", Args: []string{""}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, args := instruction(tc.createdBy)
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(dockerfile.Instruction{}, "Original"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("instruction(%q) (-want +got):\n%s", tc.createdBy, diff)
			}
			if diff := cmp.Diff(tc.args, args, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("build args (-want +got):\n%s", diff)
			}
		})
	}
}

package iac

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// synthetic builds a tree of n Kubernetes manifests (three documents each), n/10 Dockerfiles and
// n/10 Terraform modules, written here, not copied from anywhere.
func synthetic(n int) (fstest.MapFS, []string) {
	fsys := fstest.MapFS{}
	for i := 0; i < n; i++ {
		fsys[fmt.Sprintf("k8s/app%d/deploy.yaml", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app%[1]d
  namespace: ns%[2]d
  labels: {app: app%[1]d}
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: app%[1]d}
    spec:
      serviceAccountName: app%[1]d
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: registry.example/app%[1]d:1.%[1]d.0
        ports:
        - containerPort: 8080
        env:
        - name: LOG_LEVEL
          value: info
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: app%[1]d
  namespace: ns%[2]d
spec:
  type: ClusterIP
  selector: {app: app%[1]d}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: app%[1]d
  namespace: ns%[2]d
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
`, i, i%20))}
		if i%10 == 0 {
			fsys[fmt.Sprintf("docker/app%d/Dockerfile", i)] = &fstest.MapFile{Data: []byte("FROM golang:1.26 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/app\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\nUSER 65532\nENTRYPOINT [\"/app\"]\n")}
			fsys[fmt.Sprintf("tf/m%d/main.tf", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("variable \"name\" {\n  default = \"b%d\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = var.name\n}\nresource \"aws_security_group\" \"sg\" {\n  ingress {\n    from_port = 443\n    to_port = 443\n    protocol = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n", i))}
		}
	}
	var files []string
	for name := range fsys {
		files = append(files, name)
	}
	sort.Strings(files)
	return fsys, files
}

// BenchmarkScan scans 1000 synthetic manifest files (3000 objects), 100 Dockerfiles and 100
// Terraform modules per iteration.
func BenchmarkScan(b *testing.B) {
	fsys, files := synthetic(1000)
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, f := range fsys {
		size += int64(len(f.Data))
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		res, err := s.Scan(context.Background(), fsys, files)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Problems) > 0 {
			b.Fatal(res.Problems[0])
		}
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkScanDir scans the directory named by PALISADE_IAC_BENCH_DIR (bench/iac.sh sets it).
func BenchmarkScanDir(b *testing.B) {
	dir := os.Getenv("PALISADE_IAC_BENCH_DIR")
	if dir == "" {
		b.Skip("set PALISADE_IAC_BENCH_DIR to a directory of manifests and Terraform to run")
	}
	fsys, files := dirTree(b, dir)
	s, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	var res *Result
	for b.Loop() {
		if res, err = s.Scan(context.Background(), fsys, files); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Files), "iac-files")
	b.ReportMetric(float64(len(res.Findings)), "findings")
	b.ReportMetric(float64(len(res.Problems)), "problems")
	if os.Getenv("PALISADE_IAC_BENCH_SUMMARY") != "" {
		count := map[string]int{}
		for _, f := range res.Findings {
			count[f.RuleID]++
		}
		var ids []string
		for id := range count {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool {
			return count[ids[i]] > count[ids[j]] || count[ids[i]] == count[ids[j]] && ids[i] < ids[j]
		})
		where := map[string][]string{}
		for _, f := range res.Findings {
			if len(where[f.RuleID]) < 3 {
				where[f.RuleID] = append(where[f.RuleID], fmt.Sprintf("%s:%d", f.Location.Path, f.Location.StartLine))
			}
		}
		for _, id := range ids {
			fmt.Printf("%6d %s", count[id], id)
			if os.Getenv("PALISADE_IAC_BENCH_SUMMARY") == "where" {
				fmt.Printf(" %v", where[id])
			}
			fmt.Println()
		}
		for _, p := range res.Problems {
			fmt.Printf("problem %s:%d: %s\n", p.Path, p.Line, p.Message)
		}
	}
}

func dirTree(tb testing.TB, dir string) (fs.FS, []string) {
	fsys := os.DirFS(dir)
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return fs.SkipDir
		}
		if d.Type().IsRegular() && !strings.Contains(p, "/.") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return fsys, files
}

package gateway

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/gateway/http1/http1test"
)

// TestDesyncAgainstNginx runs the HTTP/1 attack corpus against nginx as a plain reverse proxy
// and against the gateway, each in front of its own recording upstream, and prints per case
// what the client got and what reached the upstream, side by side. It is a report, not a
// check (nginx is no route-based gateway: it forwards /admin as readily as /public/a), and runs
// only when PALISADE_DESYNC_NGINX is set and nginx is on PATH (bench/desync.sh does both).
func TestDesyncAgainstNginx(t *testing.T) {
	if os.Getenv("PALISADE_DESYNC_NGINX") == "" {
		t.Skip("set PALISADE_DESYNC_NGINX=1 (bench/desync.sh) to compare with nginx")
	}
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx is not on PATH")
	}
	up := newRecorder(t, nil)
	addr := startNginx(t, nginx, up.addr())
	e := startEdge(t, HTTP1Palisade, "")

	var b strings.Builder
	fmt.Fprintf(&b, "%-36s | %-44s | %s\n", "case", "nginx: answers → upstream saw", "palisade: answers → upstream saw")
	fmt.Fprintf(&b, "%s-+-%s-+-%s\n", strings.Repeat("-", 36), strings.Repeat("-", 44), strings.Repeat("-", 44))
	for i, tc := range http1test.Desync() {
		mark := caseHost(i)
		raw := strings.ReplaceAll(tc.Raw, "shop.localhost", mark)

		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte(raw))
		nOut := http1test.ReadAll(c, 2*time.Second)
		c.Close()

		tc2 := e.dial(t, "http/1.1")
		_, _ = tc2.Write([]byte(raw))
		pOut := http1test.ReadAll(tc2, 2*time.Second)
		tc2.Close()

		time.Sleep(50 * time.Millisecond) // a report, not a check: let stragglers land
		fmt.Fprintf(&b, "%-36s | %-44s | %s\n", tc.Name, describe(nOut, up, mark), describe(pOut, e.up, mark))
	}
	fmt.Print(b.String())
}

// describe is one side of the report: the statuses answered, then the targets the upstream saw.
func describe(out string, up *recorder, mark string) string {
	var st []string
	for _, s := range readStatuses(out) {
		st = append(st, fmt.Sprint(s))
	}
	if len(st) == 0 {
		st = []string{"closed"}
	}
	reqs, _ := up.seen()
	var saw []string
	for _, r := range reqs {
		if r.Header.Get("X-Forwarded-Host") == mark {
			saw = append(saw, r.Method+" "+r.URI)
		}
	}
	if len(saw) == 0 {
		saw = []string{"nothing"}
	}
	return strings.Join(st, ",") + " → " + strings.Join(saw, "; ")
}

// startNginx runs nginx as a plain reverse proxy (HTTP/1.1 and keep-alive to the upstream, the
// Host passed on) in front of upstream and returns its address.
func startNginx(t *testing.T, nginx, upstream string) string {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream app { server %[2]s; keepalive 8; }
  server {
    listen %[3]s;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`, dir, upstream, addr)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-c", path, "-p", dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if i > 100 {
			t.Fatalf("nginx did not start: %v", err)
		}
		// real sockets: nginx is another process
		time.Sleep(20 * time.Millisecond)
	}
}

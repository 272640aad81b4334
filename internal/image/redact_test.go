package image

import "testing"

func TestRedactCreatedBy(t *testing.T) {
	tests := []struct{ in, want string }{
		{`|2 GITHUB_TOKEN=ghp_0123456789abcdefghij VERSION=1.2 /bin/sh -c make`, `|2 GITHUB_TOKEN=ghp_***** VERSION=1.2 /bin/sh -c make`},
		{`ENV API_KEY="s3cr3t value"`, `ENV API_KEY=*****`},
		{`RUN export DB_PASSWORD=hunter2 && ./migrate`, `RUN export DB_PASSWORD=***** && ./migrate`},
		{`RUN curl -fsSL https://deploy:glpat-0123456789abcdef@gitlab.example.com/x.tgz | tar xz`, `RUN curl -fsSL https://deploy:glpa*****@gitlab.example.com/x.tgz | tar xz`},
		{`/bin/sh -c #(nop) ADD file:0123 in / `, `/bin/sh -c #(nop) ADD file:0123 in / `},
		{`RUN apt-get install -y curl=7.88.1-10 ca-certificates`, `RUN apt-get install -y curl=7.88.1-10 ca-certificates`},
	}
	for _, tt := range tests {
		if got := redactCreatedBy(tt.in); got != tt.want {
			t.Errorf("redactCreatedBy(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

module example.com/vendored

go 1.21

require github.com/acme/widget v0.3.1

module example.com/shop

go 1.21

toolchain go1.21.0

require golang.org/x/net v0.7.0

module github.com/lestrrat-go/jwx/v2

go 1.22

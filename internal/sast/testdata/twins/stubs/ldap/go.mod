module github.com/go-ldap/ldap/v3

go 1.22

module github.com/gorilla/sessions

go 1.22

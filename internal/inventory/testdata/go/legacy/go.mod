module github.com/example/legacy-tool

go 1.16

require github.com/sirupsen/logrus v1.8.1

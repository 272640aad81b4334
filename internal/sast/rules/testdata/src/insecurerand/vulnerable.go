package insecurerand

import (
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
)

type Session struct{ ID string }

func NewSession() Session {
	return Session{ID: fmt.Sprint(rand.Int63())} // want "go-insecure-rand"
}

func Nonce() []byte {
	nonce := make([]byte, 12)
	rand.Read(nonce) // want "go-insecure-rand"
	return nonce
}

func generateToken(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[randv2.IntN(len(letters))] // want "go-insecure-rand"
	}
	return string(b)
}

var _ = generateToken

// Known miss: the value reaches the token through a second assignment; following it is taint work.
func TwoSteps() string {
	n := rand.Int63() // miss "go-insecure-rand"
	token := fmt.Sprint(n)
	return token
}

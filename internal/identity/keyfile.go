package identity

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// The sealed-key envelope. PKCS#8 encryption (PBES2) is not in the standard library, so a sealed
// key is a PEM block of this type whose headers name the KDF and its parameters and whose body is
// AES-256-GCM over the PKCS#8 DER. The headers are the GCM additional data, so changing a
// parameter breaks authentication instead of silently weakening the KDF.
const (
	sealedKeyType  = "PALISADE ENCRYPTED PRIVATE KEY"
	plainKeyType   = "PRIVATE KEY"
	scryptN        = 1 << 15
	scryptR        = 8
	scryptP        = 1
	maxScryptLogN  = 20 // refuse envelopes that would make loading a key a denial of service
	envelopeFormat = "palisade-sealed-key-v1"
)

// Passphrase is a secret used to seal private keys; fmt and slog never reveal it.
type Passphrase string

// String hides the passphrase from fmt.
func (Passphrase) String() string { return "[redacted]" }

// GoString hides the passphrase from %#v.
func (Passphrase) GoString() string { return "[redacted]" }

// LogValue hides the passphrase from log/slog.
func (Passphrase) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalPrivateKey encodes key as PEM: plain PKCS#8 when pass is empty, otherwise the sealed
// envelope described above.
func MarshalPrivateKey(key crypto.Signer, pass Passphrase) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	if pass == "" {
		return pem.EncodeToMemory(&pem.Block{Type: plainKeyType, Bytes: der}), nil
	}
	if strings.TrimSpace(string(pass)) == "" {
		// A passphrase of blanks seals nothing worth the name, and is almost always a mistake.
		return nil, errors.New("seal private key: the passphrase is only whitespace")
	}
	salt := make([]byte, 16)
	nonce := make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("seal private key: %w", err)
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal private key: %w", err)
	}
	h := map[string]string{
		"Format":     envelopeFormat,
		"Kdf":        "scrypt",
		"Kdf-Params": fmt.Sprintf("N=%d,r=%d,p=%d", scryptN, scryptR, scryptP),
		"Salt":       base64.StdEncoding.EncodeToString(salt),
		"Cipher":     "AES-256-GCM",
		"Nonce":      base64.StdEncoding.EncodeToString(nonce),
	}
	aead, err := sealer(pass, salt, scryptN, scryptR, scryptP)
	if err != nil {
		return nil, fmt.Errorf("seal private key: %w", err)
	}
	ct := aead.Seal(nil, nonce, der, envelopeAAD(h))
	return pem.EncodeToMemory(&pem.Block{Type: sealedKeyType, Headers: h, Bytes: ct}), nil
}

// ParsePrivateKey decodes a PEM private key written by MarshalPrivateKey (or any PKCS#8 / SEC 1
// PEM key). A sealed key needs pass; a wrong passphrase or a modified file is an error.
func ParsePrivateKey(data []byte, pass Passphrase) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse private key: no PEM block")
	}
	der := block.Bytes
	switch block.Type {
	case plainKeyType, "EC PRIVATE KEY":
	case sealedKeyType:
		if pass == "" {
			return nil, errors.New("parse private key: the key is sealed and no passphrase was given")
		}
		var err error
		if der, err = openEnvelope(block, pass); err != nil {
			return nil, fmt.Errorf("parse private key: %w", err)
		}
	default:
		return nil, fmt.Errorf("parse private key: unexpected PEM type %q", block.Type)
	}
	var key any
	var err error
	if block.Type == "EC PRIVATE KEY" {
		key, err = x509.ParseECPrivateKey(der)
	} else {
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("parse private key: %T cannot sign", key)
	}
	return s, nil
}

func openEnvelope(block *pem.Block, pass Passphrase) ([]byte, error) {
	h := block.Headers
	if h["Format"] != envelopeFormat || h["Kdf"] != "scrypt" || h["Cipher"] != "AES-256-GCM" {
		return nil, fmt.Errorf("unsupported envelope (format %q, kdf %q, cipher %q)", h["Format"], h["Kdf"], h["Cipher"])
	}
	n, r, p, err := parseScryptParams(h["Kdf-Params"])
	if err != nil {
		return nil, err
	}
	salt, err := base64.StdEncoding.DecodeString(h["Salt"])
	if err != nil || len(salt) < 16 {
		return nil, errors.New("envelope header Salt: missing or shorter than 16 bytes")
	}
	nonce, err := base64.StdEncoding.DecodeString(h["Nonce"])
	if err != nil || len(nonce) != 12 {
		return nil, errors.New("envelope header Nonce: missing or not 12 bytes")
	}
	aead, err := sealer(pass, salt, n, r, p)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, nonce, block.Bytes, envelopeAAD(h))
	if err != nil {
		return nil, errors.New("wrong passphrase or modified key file")
	}
	return der, nil
}

func parseScryptParams(s string) (n, r, p int, err error) {
	vals := map[string]int{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		x, perr := strconv.Atoi(v)
		if !ok || perr != nil || x <= 0 {
			return 0, 0, 0, fmt.Errorf("envelope header Kdf-Params %q: want N=…,r=…,p=…", s)
		}
		vals[k] = x
	}
	n, r, p = vals["N"], vals["r"], vals["p"]
	if n < 1<<14 || n > 1<<maxScryptLogN || n&(n-1) != 0 || r < 8 || r > 32 || p < 1 || p > 16 {
		return 0, 0, 0, fmt.Errorf("envelope header Kdf-Params %q: out of the accepted range", s)
	}
	return n, r, p, nil
}

func sealer(pass Passphrase, salt []byte, n, r, p int) (cipher.AEAD, error) {
	k, err := scrypt.Key([]byte(pass), salt, n, r, p, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// envelopeAAD binds every header to the ciphertext in a fixed order.
func envelopeAAD(h map[string]string) []byte {
	var b strings.Builder
	for _, k := range []string{"Format", "Kdf", "Kdf-Params", "Salt", "Cipher", "Nonce"} {
		b.WriteString(k + ":" + h[k] + "\n")
	}
	return []byte(b.String())
}

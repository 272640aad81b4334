package fileperm

import "os"

func Save(b []byte) error {
	if err := os.MkdirAll("state", 0o777); err != nil { // want "go-file-permissions"
		return err
	}
	f, err := os.OpenFile("state/key", os.O_CREATE|os.O_WRONLY, 0o644) // want "go-file-permissions"
	if err != nil {
		return err
	}
	f.Close()
	return os.WriteFile("state/token", b, 0644) // want "go-file-permissions"
}

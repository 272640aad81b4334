package fileperm

import "os"

func SaveSafe(b []byte) error {
	if err := os.MkdirAll("state", 0o750); err != nil { // ok "go-file-permissions"
		return err
	}
	f, err := os.OpenFile("state/key", os.O_CREATE|os.O_WRONLY, 0o600) // ok "go-file-permissions"
	if err != nil {
		return err
	}
	f.Close()
	// Opening without O_CREATE never applies the mode.
	g, err := os.OpenFile("state/log", os.O_WRONLY|os.O_APPEND, 0o666) // ok "go-file-permissions"
	if err != nil {
		return err
	}
	g.Close()
	return os.WriteFile("state/token", b, 0o400) // ok "go-file-permissions"
}

// Known false positive: a report meant for everyone to read; gosec flags it too (G306).
func PublishReport(html []byte) error {
	return os.WriteFile("public/report.html", html, 0o644) // fp "go-file-permissions"
}

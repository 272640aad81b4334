package check

import "testing"

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "passwd": true, "Api-Key": true, "GITHUB_TOKEN": true, "aws_access_key_id": true,
		"PRIVATE_KEY": true, "client_secret": true, "credentials": true, "pwd": false,
		"VERSION": false, "PORT": false, "LOG_LEVEL": false, "": false,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

package store

import (
	"bytes"
	"os"
)

// PassphraseEnv is the environment variable the headless demo and the CLI
// read the store passphrase from when no passphrase file is given.
const PassphraseEnv = "MISPBUMP_PASSPHRASE"

// PassphraseFromFileOrEnv finds the store passphrase for a run without a
// window: the content of file when file is not empty (one trailing newline
// removed), else the MISPBUMP_PASSPHRASE environment variable. Errors:
// *PassphraseFileError, *NoPassphraseError.
func PassphraseFromFileOrEnv(file string) ([]byte, error) {
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, &PassphraseFileError{Path: file, Err: err}
		}
		p := bytes.TrimSuffix(raw, []byte("\n"))
		p = bytes.TrimSuffix(p, []byte("\r"))
		if len(p) == 0 {
			return nil, &NoPassphraseError{}
		}
		return p, nil
	}
	if v, ok := os.LookupEnv(PassphraseEnv); ok && v != "" {
		return []byte(v), nil
	}
	return nil, &NoPassphraseError{}
}

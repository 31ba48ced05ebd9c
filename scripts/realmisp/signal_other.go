//go:build !unix

package main

import "errors"

func signalGroup(int, bool) error {
	return errors.New("stopping a web server's process group needs a Unix system")
}

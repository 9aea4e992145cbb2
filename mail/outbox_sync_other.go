//go:build !linux

package mail

import "os"

// syncDir makes the files written into dir durable with their names: each
// file, then the directory.
func syncDir(dir string, paths []string) error {
	for _, p := range append(paths, dir) {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

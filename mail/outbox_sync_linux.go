package mail

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncDir makes the files written into dir durable with their names: one
// syncfs(2) of the file system that holds dir, which writes back every
// file and directory of it at once — far cheaper than one fsync per file
// when a batch of hundreds was written.
func syncDir(dir string, _ []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

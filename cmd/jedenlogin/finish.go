package main
import ("context";"io")
func runFinish(ctx context.Context, args []string, stdout, stderr io.Writer) error { return nil }

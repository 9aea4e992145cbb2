//go:build race

package password

const raceEnabled = true

// Package loadtest drives jedenlogin's JSON API as many users at once: a
// small HTTP client (round robin over servers, the session cookie, the
// client address a trusted proxy would forward) and the legacy data the
// benchmarks and crash tests import — consolidated users and persons in
// the choose and generate cases — with the flow that signs such a person
// in and confirms their one login. cmd/loadgen measures with it; the crash
// tests of cmd/jedenlogin kill a server in the middle of it.
package loadtest

// Package browsertest drives Debian's headless Chromium from Go tests and
// checks pages with axe-core.
//
// New starts one browser per test (a temporary profile, no network of its
// own, no sandbox so it runs as root in CI) and NewPage opens a tab in a
// fresh browser context, so every page has its own cookies. A Page wraps the
// chromedp actions a test needs and fails the test with what went wrong:
// Do, Text, Screenshot and CheckAccessibility, which injects
// tools/axe/node_modules/axe-core/axe.min.js through the DevTools protocol
// (page scripts are forbidden by the pages' Content-Security-Policy, code
// evaluated by DevTools is not) and fails on every WCAG 2.0/2.1 A and AA
// violation, naming the rule, its help text and the offending elements.
//
// When Chromium or axe-core is missing the test is skipped with a message
// saying what to install, except with JEDENLOGIN_TEST_STRICT=1, where it
// fails: CI must not pass by skipping.
package browsertest

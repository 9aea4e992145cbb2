package main

import "jedenlogin/locale"

// pl is the catalogue of every Polish text the commands print: messages,
// progress, summaries and the help of the subcommands live in
// locale/pl.json under "cli.", so Polish stays in one file.
var pl = locale.Polish

package web

// AdminAPIPatterns are the patterns of the console's API, which take an
// operator token: the tests check each.
func AdminAPIPatterns() []string {
	var out []string
	for _, rt := range adminAPIRoutes {
		out = append(out, rt.pattern)
	}
	return out
}

package sqlstore_test

import (
	"testing"

	"jedenlogin"
	"jedenlogin/store/conformance"
	"jedenlogin/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		conformance.RunTests(t, func(t testing.TB) jedenlogin.Store {
			return storetest.Open(t, b.NewDSN(t))
		})
	})
}

package dockerconfig

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoSDK fails if the package links the AWS SDK or net/http, directly
// or through the packages it imports: it is meant for diagnosis in either
// binary, including the front, which links neither.
func TestNoSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/aws/") || dep == "net/http" {
			t.Errorf("dockerconfig depends on %s", dep)
		}
	}
}

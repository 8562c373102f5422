package filterchain

import (
	"context"
	"fmt"
	"strings"

	"dubbo.apache.org/dubbo-go/v3/common/extension"
	dubbofilter "dubbo.apache.org/dubbo-go/v3/filter"
	"dubbo.apache.org/dubbo-go/v3/protocol/base"
	"dubbo.apache.org/dubbo-go/v3/protocol/result"

	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// CheckNames returns an error naming every name in names (a
// comma-separated `filter:` list) that dubbo-go's extension registry does
// not know, "-name" entries (which remove a default filter) included: a
// misspelled exclusion would silently leave the filter in. "default" and
// "-default" are dubbo-go's markers for the default chain. It is the one
// check of filter names: package filter's Check, config's file check and
// the protocol's export and refer use it.
func CheckNames(names string) error {
	if unknown := unknownNames(names); len(unknown) > 0 {
		quoted := make([]string, len(unknown))
		for i, n := range unknown {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		return fmt.Errorf("unknown filter %s in %q: misspelled, or the package that registers it is not imported",
			strings.Join(quoted, ", "), names)
	}
	return nil
}

// GuardNames is CheckNames that also registers, for each unknown name, a
// filter that fails every call with CheckNames' error (FailedPrecondition):
// dubbo-go would otherwise build a nil filter into the chain and panic at
// the first call.
func GuardNames(names string) error {
	err := CheckNames(names)
	if err == nil {
		return nil
	}
	se := status.Wrap(status.FailedPrecondition, err)
	for _, n := range unknownNames(names) {
		extension.SetFilter(n, func() dubbofilter.Filter { return failing{se} })
	}
	return err
}

// unknownNames returns the names of the list dubbo-go does not know.
func unknownNames(names string) []string {
	var unknown []string
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimPrefix(strings.TrimSpace(n), "-")
		if n == "" || n == "default" {
			continue
		}
		if _, ok := extension.GetFilter(n); !ok {
			unknown = append(unknown, n)
		}
	}
	return unknown
}

type failing struct{ err error }

func (f failing) Invoke(context.Context, base.Invoker, base.Invocation) result.Result {
	return &result.RPCResult{Err: f.err}
}

func (f failing) OnResponse(_ context.Context, res result.Result, _ base.Invoker, _ base.Invocation) result.Result {
	return res
}

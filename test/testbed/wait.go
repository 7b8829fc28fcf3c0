package testbed

import (
	"context"
	"fmt"
	"time"
)

// PollInterval is the interval of WaitFor.
const PollInterval = 50 * time.Millisecond

// WaitFor calls cond every PollInterval until it returns true, returns an error, or timeout (or
// ctx) expires; the error then says what was awaited and the last error of cond, if any.
func WaitFor(ctx context.Context, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := cond(ctx)
		if ok && err == nil {
			return nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("timed out after %v waiting for %s: %w", timeout, what, last)
			}
			return fmt.Errorf("timed out after %v waiting for %s", timeout, what)
		case <-time.After(PollInterval):
		}
	}
}

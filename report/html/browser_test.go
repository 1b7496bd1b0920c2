//go:build linux && !race

package html_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// One headless Chromium serves every test of the package; TestMain stops
// it. Each test opens its own tab.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
	os.Exit(code)
}

// chromiumPath finds Debian's chromium (scripts/install-deps.sh installs it).
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (apt-get install chromium, or scripts/install-deps.sh)")
}

func startBrowser() {
	path, err := chromiumPath()
	if err != nil {
		browser.err = err
		return
	}
	if browser.dir, err = os.MkdirTemp("", "gigadex-chromium-"); err != nil {
		browser.err = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(browser.dir),
		chromedp.WindowSize(1200, 900),
		chromedp.WSURLReadTimeout(30 * time.Second),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// Start the browser now. The first call's context must have no
	// deadline (its end would stop the browser); WSURLReadTimeout bounds
	// the start instead.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		browser.err = fmt.Errorf("start %s: %w", path, err)
		return
	}
	browser.ctx, browser.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
}

// newTab returns a tab of the shared browser with the network off, and
// the JavaScript errors and requests it will see. Without chromium the
// test fails where GIGADEX_REQUIRE_INTEROP is set (CI), and is skipped
// elsewhere.
func newTab(t *testing.T) (context.Context, *tabLog) {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.err != nil {
		if os.Getenv("GIGADEX_REQUIRE_INTEROP") != "" {
			t.Fatalf("headless chromium: %v", browser.err)
		}
		t.Skipf("headless chromium: %v", browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancelT)
	tl := &tabLog{}
	err := chromedp.Listen(ctx, func(ev any) {
		tl.mu.Lock()
		defer tl.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tl.errors = append(tl.errors, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber+1, d.ColumnNumber+1, msg))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tl.errors = append(tl.errors, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
			}
		case *cdplog.EventEntryAdded:
			if e := ev.Entry; e.Level == cdplog.EntryLevelError || e.Level == cdplog.EntryLevelWarning {
				tl.errors = append(tl.errors, fmt.Sprintf("log %s (%s): %s %s", e.Level, e.Source, e.Text, e.URL))
			}
		case *network.EventRequestWillBeSent:
			tl.requests = append(tl.requests, ev.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	offline := network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}}
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, offline)
			return err
		})); err != nil {
		t.Fatalf("open a tab with the network off: %v", err)
	}
	return ctx, tl
}

// tabLog gathers what a tab reported.
type tabLog struct {
	mu       sync.Mutex
	errors   []string
	requests []string
}

func (l *tabLog) snapshot() (errs, reqs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errors...), append([]string(nil), l.requests...)
}

// openPage loads the file at path and waits until its script has drawn
// every chart (body[data-rendered]) or failed (body[data-error]).
func openPage(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+abs),
		chromedp.WaitReady(chromedp.CSS("body[data-rendered], body[data-error]"))); err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
}

package report_test

import (
	"github.com/gigadex/gigadex/report"
	"github.com/gigadex/gigadex/report/internal/fixture"
)

func init() {
	report.SetFixture(fixture.Start, fixture.Env, fixture.Tags, fixture.Samples, fixture.Run)
}

package bench

import (
	"math"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		in   string
		name string
		ns   float64
		ok   bool
	}{
		{"BENCH getpid 61.5", "getpid", 61.5, true},
		{"BENCH stat 255", "stat", 255, true},
		{"BENCH_INIT", "", 0, false},
		{"BENCH getpid", "", 0, false},
		{"BENCH getpid abc", "", 0, false},
		{"BENCH getpid -1", "", 0, false},
		{"xBENCH getpid 1", "", 0, false},
	}
	for _, tt := range tests {
		name, ns, ok := ParseLine(tt.in)
		if name != tt.name || ns != tt.ns || ok != tt.ok {
			t.Errorf("ParseLine(%q) = %q %v %v, want %q %v %v", tt.in, name, ns, ok, tt.name, tt.ns, tt.ok)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
}

func TestGeoMeanAndRatio(t *testing.T) {
	nan := math.NaN()
	rows := []Row{{"a", 50, 100}, {"b", 200, 100}, {"c", nan, 100}, {"d", 10, nan}}
	if got := GeoMean(rows); math.Abs(got-1) > 1e-9 {
		t.Errorf("GeoMean = %v, want 1 (0.5 and 2)", got)
	}
	if !math.IsNaN(rows[2].Ratio()) || !math.IsNaN(rows[3].Ratio()) {
		t.Error("ratio with a missing side is not NaN")
	}
	if !math.IsNaN(GeoMean([]Row{{"x", nan, 1}})) {
		t.Error("GeoMean of no ratios is not NaN")
	}
}

func TestFormatTable(t *testing.T) {
	nan := math.NaN()
	got := FormatTable([]Row{{"getpid", 61, 93}, {"stat", nan, 449.25}}, "aramid: n/a (no kernel)")
	want := strings.Join([]string{
		"benchmark                           Aramid ns       Linux ns    ratio",
		"getpid                                   61.0           93.0     0.66",
		"stat                                      n/a          449.2      n/a",
		"geometric mean                                                   0.66",
		"aramid: n/a (no kernel)",
		"",
	}, "\n")
	if got != want {
		t.Errorf("FormatTable =\n%s\nwant\n%s", got, want)
	}
}

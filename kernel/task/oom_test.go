package task

import (
	"errors"
	"testing"

	"aramid/kernel/abi"
	"aramid/kernel/machine"
)

func TestSelectOOMVictim(t *testing.T) {
	const total = 65536 // 256 MiB in pages
	tests := []struct {
		name   string
		cands  []OOMCandidate
		victim int32 // PID, 0 = none
		wait   bool
	}{
		{"largest resident set", []OOMCandidate{
			{PID: 1, Init: true, RSS: 900}, {PID: 2, RSS: 100}, {PID: 3, RSS: 5000}, {PID: 4, RSS: 200},
		}, 3, false},
		{"page tables count", []OOMCandidate{
			{PID: 2, RSS: 100, PageTables: 50}, {PID: 3, RSS: 140},
		}, 2, false},
		{"oom_score_adj 1000 first", []OOMCandidate{
			{PID: 2, RSS: 20000}, {PID: 3, RSS: 10, Adj: 1000},
		}, 3, false},
		{"oom_score_adj -1000 never", []OOMCandidate{
			{PID: 2, RSS: 60000, Adj: -1000}, {PID: 3, RSS: 10},
		}, 3, false},
		{"negative adj lowers", []OOMCandidate{
			{PID: 2, RSS: 30000, Adj: -500}, {PID: 3, RSS: 1000},
		}, 3, false},
		{"init spared while another can go", []OOMCandidate{
			{PID: 1, Init: true, RSS: 60000, Adj: 1000}, {PID: 5, RSS: 1},
		}, 5, false},
		{"init last", []OOMCandidate{
			{PID: 1, Init: true, RSS: 600}, {PID: 5, RSS: 9000, Adj: -1000}, {PID: 6, NoMM: true},
		}, 1, false},
		{"init with -1000 never", []OOMCandidate{
			{PID: 1, Init: true, RSS: 600, Adj: -1000}, {PID: 5, RSS: 9000, Adj: -1000},
		}, 0, false},
		{"zombies are not candidates", []OOMCandidate{
			{PID: 2, NoMM: true, RSS: 99999}, {PID: 3, RSS: 1},
		}, 3, false},
		{"ties go to the newest", []OOMCandidate{
			{PID: 2, RSS: 500}, {PID: 3, RSS: 500},
		}, 3, false},
		{"a dying victim makes it wait", []OOMCandidate{
			{PID: 2, RSS: 500, Dying: true}, {PID: 3, RSS: 5000},
		}, 0, true},
		{"a dying -1000 process is no victim to wait for", []OOMCandidate{
			{PID: 2, RSS: 500, Dying: true, Adj: -1000}, {PID: 3, RSS: 5000},
		}, 3, false},
		{"nothing", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, wait := selectOOMVictim(tt.cands, total)
			var got int32
			if i >= 0 {
				got = tt.cands[i].PID
			}
			if got != tt.victim || wait != tt.wait {
				t.Errorf("victim %d wait %v, want %d wait %v", got, wait, tt.victim, tt.wait)
			}
		})
	}
}

func TestOOMScore(t *testing.T) {
	const total = 65536
	tests := []struct {
		c    OOMCandidate
		want uint64
	}{
		{OOMCandidate{RSS: 0}, 666},                    // (1000 + 0) * 2/3
		{OOMCandidate{RSS: total / 2}, 1000},           // (1000 + 500) * 2/3
		{OOMCandidate{RSS: 655, Adj: 1000}, 1334},      // badness 655+1000*65 → *1000/65536 = 1001 → 2001*2/3
		{OOMCandidate{RSS: 40000, Adj: -1000}, 0},      // never chosen
		{OOMCandidate{RSS: 100, Adj: -999}, 7},         // badness 100-999*65 → *1000/65536 = -989 → 11*2/3
		{OOMCandidate{RSS: 100, Init: true}, 0},        // PID 1
		{OOMCandidate{RSS: 100, NoMM: true}, 0},        // no memory
		{OOMCandidate{RSS: 1000, PageTables: 24}, 676}, // (1000 + 1024000/65536=15) * 2/3
	}
	for _, tt := range tests {
		if got := OOMScore(tt.c, total); got != tt.want {
			t.Errorf("OOMScore(%+v) = %d, want %d", tt.c, got, tt.want)
		}
	}
}

func TestOOMScoreAdjWrites(t *testing.T) {
	k := NewKernel(machine.NewFake())
	g := &ThreadGroup{k: k, ID: 2, tasks: map[int32]*Task{}}
	steps := []struct {
		legacy     bool
		v          int
		privileged bool
		err        error
		adj, oadj  int // oom_score_adj and oom_adj afterwards
	}{
		{false, 1001, true, abi.EINVAL, 0, 0},
		{false, -1001, true, abi.EINVAL, 0, 0},
		{false, 500, false, nil, 500, 8},
		{false, 100, false, nil, 100, 1},       // back down, still above the floor (0)
		{false, -1, false, abi.EACCES, 100, 1}, // below the floor
		{false, -300, true, nil, -300, -5},     // privileged: the floor moves to -300
		{false, -200, false, nil, -200, -3},
		{false, -300, false, nil, -300, -5}, // down to the floor again
		{false, -301, false, abi.EACCES, -300, -5},
		{true, 16, true, abi.EINVAL, -300, -5},
		{true, -18, true, abi.EINVAL, -300, -5},
		{true, 15, false, nil, 1000, 15},
		{true, 3, false, abi.EACCES, 1000, 15}, // legacy: below the current value
		{true, -17, true, nil, -1000, -17},
		{false, 1000, true, nil, 1000, 15},
		{false, 999, true, nil, 999, 15}, // 16.98 clamped to 15
		{false, 941, true, nil, 941, 15},
		{false, 940, true, nil, 940, 15},
		{false, 882, true, nil, 882, 14},
	}
	for i, s := range steps {
		var err error
		if s.legacy {
			err = g.SetOOMAdj(s.v, s.privileged)
		} else {
			err = g.SetOOMScoreAdj(s.v, s.privileged)
		}
		if !errors.Is(err, s.err) && err != s.err {
			t.Errorf("step %d: write %d (legacy %v, privileged %v): %v, want %v", i, s.v, s.legacy, s.privileged, err, s.err)
		}
		if a, o := g.OOMScoreAdj(), g.OOMAdj(); a != s.adj || o != s.oadj {
			t.Errorf("step %d: oom_score_adj %d oom_adj %d, want %d %d", i, a, o, s.adj, s.oadj)
		}
	}
}

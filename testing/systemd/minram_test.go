package systemd

import (
	"context"
	"errors"
	"testing"
)

func TestMinRAM(t *testing.T) {
	for _, tc := range []struct {
		name         string
		lo, hi, step int
		need         int // the least memory that boots
		want         int
		wantErr      bool
	}{
		{name: "middle", lo: 16, hi: 512, step: 8, need: 100, want: 104},
		{name: "exact multiple", lo: 16, hi: 512, step: 8, need: 96, want: 96},
		{name: "just above lo", lo: 16, hi: 512, step: 8, need: 17, want: 24},
		{name: "top", lo: 16, hi: 512, step: 8, need: 512, want: 512},
		{name: "nothing boots", lo: 16, hi: 512, step: 8, need: 1024, wantErr: true},
		{name: "bad range", lo: 16, hi: 500, step: 8, need: 100, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, trials, err := MinRAM(context.Background(), tc.lo, tc.hi, tc.step, func(_ context.Context, mib int) (bool, error) {
				return mib >= tc.need, nil
			})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Errorf("MinRAM = %d, want %d (trials %v)", got, tc.want, trials)
			}
			if len(trials) > 8 {
				t.Errorf("%d boots for a 62-step range", len(trials))
			}
		})
	}
	boom := errors.New("qemu broke")
	if _, _, err := MinRAM(context.Background(), 16, 64, 8, func(context.Context, int) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("a boot's error = %v, want it passed on", err)
	}
}

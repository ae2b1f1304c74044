package vfs

// Owner returns what F_GETOWN reports: the process (positive) or process
// group (negative) F_SETOWN recorded, 0 if none.
func (f *File) Owner() int32 { return f.owner.Load() }

// SetOwner records an F_SETOWN owner; the caller has checked it exists.
func (f *File) SetOwner(who int32) { f.owner.Store(who) }

// Sig returns what F_GETSIG reports: the signal F_SETSIG recorded, 0 for
// the default (SIGIO).
func (f *File) Sig() int32 { return f.sig.Load() }

// SetSig records an F_SETSIG signal; the caller has checked it is 0..64.
func (f *File) SetSig(sig int32) { f.sig.Store(sig) }

; Reads 8 bytes starting 4 bytes before the end of its input: a program the
; verifier would refuse. `bpfx exec` runs unverified programs in checked
; mode, so the read is caught and the program stopped before it touches
; memory it was not given.
r0 = r1
r0 += r2
r0 += -4
r0 = *(u64 *)(r0 +0)
exit

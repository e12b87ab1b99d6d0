# Generates kernel_amd64.s: the 6×16 AVX2/FMA micro-kernel and the packing
# routines are straight-line code, written out here rather than by hand.
# Run from this folder: python3 gen_kernel_amd64.py (go generate does it).
out = []
w = out.append
w("//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")

def kstep(off_a, off_b):
    s = []
    s.append(f"\tVMOVUPS      {off_b}(DI), Y0")
    s.append(f"\tVMOVUPS      {off_b+32}(DI), Y1")
    for i in range(6):
        br = "Y2" if i % 2 == 0 else "Y3"
        s.append(f"\tVBROADCASTSS {off_a+4*i}(SI), {br}")
        s.append(f"\tVFMADD231PS  Y0, {br}, Y{4+2*i}")
        s.append(f"\tVFMADD231PS  Y1, {br}, Y{5+2*i}")
    return "\n".join(s)

w("""// func kernel6x16(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)
// Sets the top-left rows×cols corner of the 6×16 tile at c (row stride ldc)
// to alpha·AB + beta·c, AB the sum over l < kc of a[l*6+i]·b[l*16+j], each
// element summed in l order with one FMA per product; c is not read when
// beta == 0. kc > 0, 0 < rows <= 6, 0 < cols <= 16. Every element is rounded
// the same way whether the tile is full or not.
TEXT ·kernel6x16(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	PREFETCHT0 (DX)
	PREFETCHT0 (DX)(R8*1)
	PREFETCHT0 (DX)(R8*2)
	PREFETCHT0 (DX)(R9*1)
	PREFETCHT0 (DX)(R8*4)
	LEAQ (DX)(R8*4), R10
	PREFETCHT0 (R10)(R8*1)
""")
for r in range(4, 16):
    w(f"\tVXORPS Y{r}, Y{r}, Y{r}")
w("""	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JE   k1

k4:
	PREFETCHT0 384(SI)
	PREFETCHT0 512(DI)""")
for u in range(4):
    w(kstep(24*u, 64*u))
w("""	ADDQ $96, SI
	ADDQ $256, DI
	DECQ BX
	JNE  k4

k1:
	TESTQ CX, CX
	JE    epilogue

k1loop:""")
w(kstep(0, 0))
w("""	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNE  k1loop

epilogue:
	VBROADCASTSS alpha+40(FP), Y0""")
for r in range(4, 16):
    w(f"\tVMULPS Y0, Y{r}, Y{r}")
w("""	VMOVSS   beta+44(FP), X1
	MOVQ     rows+48(FP), AX
	MOVQ     cols+56(FP), BX
	CMPQ     AX, $6
	JNE      partial
	CMPQ     BX, $16
	JNE      partial
	VXORPS   X2, X2, X2
	VUCOMISS X2, X1
	JNE      withbeta
	JPS      withbeta
""")
for i in range(6):
    w(f"\tVMOVUPS Y{4+2*i}, (DX)\n\tVMOVUPS Y{5+2*i}, 32(DX)")
    if i < 5:
        w("\tADDQ    R8, DX")
w("""	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS beta+44(FP), Y1""")
for i in range(6):
    w(f"\tVMULPS  (DX), Y1, Y2\n\tVMULPS  32(DX), Y1, Y3\n\tVADDPS  Y2, Y{4+2*i}, Y{4+2*i}\n\tVADDPS  Y3, Y{5+2*i}, Y{5+2*i}\n\tVMOVUPS Y{4+2*i}, (DX)\n\tVMOVUPS Y{5+2*i}, 32(DX)")
    if i < 5:
        w("\tADDQ    R8, DX")
w("""	VZEROUPPER
	RET

partial:
	// Masks of the first cols lanes: Y0 for columns 0-7, Y1 for 8-15.
	LEAQ         masks<>(SB), CX
	NEGQ         BX
	LEAQ         64(CX)(BX*4), CX
	VXORPS       X2, X2, X2
	VUCOMISS     X2, X1
	VMOVUPS      (CX), Y0
	VMOVUPS      32(CX), Y1
	JNE          pwithbeta
	JPS          pwithbeta
""")
for i in range(6):
    w(f"\tVMASKMOVPS Y{4+2*i}, Y0, (DX)\n\tVMASKMOVPS Y{5+2*i}, Y1, 32(DX)")
    if i < 5:
        w("\tDECQ       AX\n\tJE         pdone\n\tADDQ       R8, DX")
w("""	JMP pdone

pwithbeta:
	VBROADCASTSS beta+44(FP), Y2""")
for i in range(6):
    w(f"\tVMASKMOVPS (DX), Y0, Y3\n\tVMULPS     Y3, Y2, Y3\n\tVADDPS     Y3, Y{4+2*i}, Y{4+2*i}\n\tVMASKMOVPS Y{4+2*i}, Y0, (DX)")
    w(f"\tVMASKMOVPS 32(DX), Y1, Y3\n\tVMULPS     Y3, Y2, Y3\n\tVADDPS     Y3, Y{5+2*i}, Y{5+2*i}\n\tVMASKMOVPS Y{5+2*i}, Y1, 32(DX)")
    if i < 5:
        w("\tDECQ       AX\n\tJE         pdone\n\tADDQ       R8, DX")
w("""
pdone:
	VZEROUPPER
	RET

// func packBN16(dst, b *float32, ldb, kc int)
// dst[l*16+j] = b[l*ldb+j] for j < 16, l < kc; kc > 0.
TEXT ·packBN16(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ kc+24(FP), CX

bn16:
	PREFETCHT0 128(SI)
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNE     bn16
	VZEROUPPER
	RET
""")
# mask table: 16 x -1 then 16 x 0
for i in range(32):
    v = "0xffffffff" if i < 16 else "0x00000000"
    w(f"DATA masks<>+{4*i}(SB)/4, ${v}")
w("GLOBL masks<>(SB), RODATA|NOPTR, $128\n")

def transpose(rows_in, nrows):
    # rows in Y0..Y7 (rows >= nrows zero), leaves columns: outputs via (uA,uB) pairs
    s = []
    for p in range(4):
        a, b = 2*p, 2*p+1
        s.append(f"\tVUNPCKLPS Y{b}, Y{a}, Y{8+2*p}")
        s.append(f"\tVUNPCKHPS Y{b}, Y{a}, Y{9+2*p}")
    # t0=Y8 t1=Y9 t2=Y10 t3=Y11 t4=Y12 t5=Y13 t6=Y14 t7=Y15
    s.append("\tVSHUFPS $0x44, Y10, Y8, Y0")
    s.append("\tVSHUFPS $0xEE, Y10, Y8, Y1")
    s.append("\tVSHUFPS $0x44, Y11, Y9, Y2")
    s.append("\tVSHUFPS $0xEE, Y11, Y9, Y3")
    s.append("\tVSHUFPS $0x44, Y14, Y12, Y4")
    s.append("\tVSHUFPS $0xEE, Y14, Y12, Y5")
    s.append("\tVSHUFPS $0x44, Y15, Y13, Y6")
    s.append("\tVSHUFPS $0xEE, Y15, Y13, Y7")
    # out j (j<4) = perm(u_j, u_{j+4}, 0x20) ; out j+4 = perm(..., 0x31)
    for j in range(4):
        s.append(f"\tVPERM2F128 $0x20, Y{j+4}, Y{j}, Y{8+j}")
        s.append(f"\tVPERM2F128 $0x31, Y{j+4}, Y{j}, Y{12+j}")
    return s  # column c in Y{8+c}

w("""// func packBT8(dst, b *float32, ldb, n8 int)
// dst[l*16+j] = b[j*ldb+l] for j < 8, l < n8; n8 % 8 == 0, n8 > 0.
TEXT ·packBT8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ n8+24(FP), CX
	SHRQ $3, CX
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R10
	LEAQ (R9)(R8*4), R12

bt8:""")
def loads(base, n):
    addr = [f"({base})", f"({base})(R8*1)", f"({base})(R8*2)", f"({base})(R9*1)", f"({base})(R8*4)", f"({base})(R10*1)", f"({base})(R9*2)", f"({base})(R12*1)"]
    return [f"\tPREFETCHT0 512{addr[i]}" for i in range(n)] + [f"\tVMOVUPS {addr[i]}, Y{i}" for i in range(n)]
out.extend(loads("SI", 8))
out.extend(transpose(None, 8))
for c in range(8):
    w(f"\tVMOVUPS Y{8+c}, {c*64}(DI)")
w("""	ADDQ $32, SI
	ADDQ $512, DI
	DECQ CX
	JNE  bt8
	VZEROUPPER
	RET
""")

w("""// func packAN6(dst, a *float32, lda, n8 int)
// dst[l*6+i] = a[i*lda+l] for i < 6, l < n8; n8 % 8 == 0, n8 > 0. Writes
// exactly dst[:n8*6].
TEXT ·packAN6(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ n8+24(FP), CX
	SHRQ $3, CX
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R10
	LEAQ (R9)(R8*4), R12

an8:""")
out.extend(loads("SI", 6))
w("\tVXORPS Y6, Y6, Y6\n\tVXORPS Y7, Y7, Y7")
out.extend(transpose(None, 6))
for c in range(7):
    w(f"\tVMOVUPS Y{8+c}, {c*24}(DI)")
w("""	VMOVUPS      X15, 168(DI)
	VEXTRACTF128 $1, Y15, X15
	VMOVSD       X15, 184(DI)
	ADDQ         $32, SI
	ADDQ         $192, DI
	DECQ         CX
	JNE          an8
	VZEROUPPER
	RET
""")
open("kernel_amd64.s", "w").write("\n".join(out) + "\n")

# Generates kernel512_amd64.s: the AVX-512 micro-kernels (14, 8 and 4 rows of
# a 14×32 tile) and their packing routines, straight-line code written out
# here rather than by hand. Run from this folder:
#   python3 gen_kernel512_amd64.py   (go generate does it)
# Every kernel sums each element's products in k order with one FMA each,
# exactly as the AVX2 kernel (kernel_amd64.s) and the Go kernel do, so the
# three paths give the same bits.
MR, NR = 14, 32
out = []
w = out.append
w("//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")


def kstep(rows, off_a, off_b):
    s = [f"\tVMOVUPS      {off_b}(DI), Z0",
         f"\tVMOVUPS      {off_b+64}(DI), Z1",
         f"\tPREFETCHT0   {off_b+1024}(DI)"]
    for i in range(rows):
        br = "Z2" if i % 2 == 0 else "Z3"
        s.append(f"\tVBROADCASTSS {off_a+4*i}(SI), {br}")
        s.append(f"\tVFMADD231PS  Z0, {br}, Z{4+2*i}")
        s.append(f"\tVFMADD231PS  Z1, {br}, Z{5+2*i}")
    return "\n".join(s)


def kernel(rows):
    name = f"kernel512x{rows}"
    w(f"""// func {name}(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)
// Sets the top-left rows×cols corner of the tile at c (row stride ldc) to
// alpha·AB + beta·c, AB[i][j] the sum over l < kc of a[l*{MR}+i]·b[l*{NR}+j]
// (a packed A panel of {MR} rows, of which the first {rows} are used, and a
// packed B panel of {NR} columns), each element summed in l order with one
// FMA per product; c is not read when beta == 0. kc > 0,
// 0 < rows <= {rows}, 0 < cols <= {NR}.
TEXT ·{name}(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ DX, R10""")
    # Fetch the tile of C early: it is read or written only at the end.
    for i in range(rows):
        w("\tPREFETCHT0 (R10)\n\tPREFETCHT0 64(R10)")
        if i < rows - 1:
            w("\tADDQ R8, R10")
    for r in range(4, 4 + 2 * rows):
        w(f"\tVPXORD Z{r}, Z{r}, Z{r}")
    w("""	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JE   k1

k4:
	PREFETCHT0 448(SI)""")
    for u in range(4):
        w(kstep(rows, 4 * MR * u, 4 * NR * u))
    w(f"""	ADDQ ${16*MR}, SI
	ADDQ ${16*NR}, DI
	DECQ BX
	JNE  k4

k1:
	TESTQ CX, CX
	JE    epilogue

k1loop:""")
    w(kstep(rows, 0, 0))
    w(f"""	ADDQ ${4*MR}, SI
	ADDQ ${4*NR}, DI
	DECQ CX
	JNE  k1loop

epilogue:
	VBROADCASTSS alpha+40(FP), Z0""")
    for r in range(4, 4 + 2 * rows):
        w(f"\tVMULPS Z0, Z{r}, Z{r}")
    w("""	// K1, K2: the first cols lanes of columns 0-15 and 16-31.
	MOVQ     cols+56(FP), CX
	MOVL     $1, BX
	SHLQ     CX, BX
	DECQ     BX
	KMOVW    BX, K1
	SHRQ     $16, BX
	KMOVW    BX, K2
	MOVQ     rows+48(FP), AX
	VMOVSS   beta+44(FP), X1
	VXORPS   X2, X2, X2
	VUCOMISS X2, X1
	JNE      withbeta
	JPS      withbeta
""")
    for i in range(rows):
        w(f"\tVMOVUPS Z{4+2*i}, K1, (DX)\n\tVMOVUPS Z{5+2*i}, K2, 64(DX)")
        if i < rows - 1:
            w("\tDECQ    AX\n\tJE      done\n\tADDQ    R8, DX")
    w("""	JMP done

withbeta:
	VBROADCASTSS beta+44(FP), Z1""")
    for i in range(rows):
        w(f"\tVMOVUPS.Z (DX), K1, Z2\n\tVMULPS    Z1, Z2, Z2\n\tVADDPS    Z2, Z{4+2*i}, Z{4+2*i}\n\tVMOVUPS   Z{4+2*i}, K1, (DX)")
        w(f"\tVMOVUPS.Z 64(DX), K2, Z3\n\tVMULPS    Z1, Z3, Z3\n\tVADDPS    Z3, Z{5+2*i}, Z{5+2*i}\n\tVMOVUPS   Z{5+2*i}, K2, 64(DX)")
        if i < rows - 1:
            w("\tDECQ      AX\n\tJE        done\n\tADDQ      R8, DX")
    w("""
done:
	VZEROUPPER
	RET
""")


for rows in (14, 8, 4):
    kernel(rows)

w(f"""// func packBN32(dst, b *float32, ldb, kc int)
// dst[l*{NR}+j] = b[l*ldb+j] for j < {NR}, l < kc; kc > 0.
TEXT ·packBN32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ kc+24(FP), CX

bn32:
	PREFETCHT0 (SI)(R8*4)
	PREFETCHT0 64(SI)(R8*4)
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    R8, SI
	ADDQ    ${4*NR}, DI
	DECQ    CX
	JNE     bn32
	VZEROUPPER
	RET
""")


def transpose():
    # Rows in Y0..Y7; leaves column c (8 floats, one per row) in Y{8+c}.
    s = []
    for p in range(4):
        a, b = 2 * p, 2 * p + 1
        s.append(f"\tVUNPCKLPS Y{b}, Y{a}, Y{8+2*p}")
        s.append(f"\tVUNPCKHPS Y{b}, Y{a}, Y{9+2*p}")
    s.append("\tVSHUFPS $0x44, Y10, Y8, Y0")
    s.append("\tVSHUFPS $0xEE, Y10, Y8, Y1")
    s.append("\tVSHUFPS $0x44, Y11, Y9, Y2")
    s.append("\tVSHUFPS $0xEE, Y11, Y9, Y3")
    s.append("\tVSHUFPS $0x44, Y14, Y12, Y4")
    s.append("\tVSHUFPS $0xEE, Y14, Y12, Y5")
    s.append("\tVSHUFPS $0x44, Y15, Y13, Y6")
    s.append("\tVSHUFPS $0xEE, Y15, Y13, Y7")
    for j in range(4):
        s.append(f"\tVPERM2F128 $0x20, Y{j+4}, Y{j}, Y{8+j}")
        s.append(f"\tVPERM2F128 $0x31, Y{j+4}, Y{j}, Y{12+j}")
    return s


def loads(base, n):
    addr = [f"({base})", f"({base})(R8*1)", f"({base})(R8*2)", f"({base})(R9*1)",
            f"({base})(R8*4)", f"({base})(R10*1)", f"({base})(R9*2)", f"({base})(R12*1)"]
    return ([f"\tPREFETCHT0 512{addr[i]}" for i in range(n)] +
            [f"\tVMOVUPS {addr[i]}, Y{i}" for i in range(n)])


w(f"""// func packBT8x32(dst, b *float32, ldb, n8 int)
// dst[l*{NR}+j] = b[j*ldb+l] for j < 8, l < n8; n8 % 8 == 0, n8 > 0.
TEXT ·packBT8x32(SB), NOSPLIT, $0-32
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
out.extend(loads("SI", 8))
out.extend(transpose())
for c in range(8):
    w(f"\tVMOVUPS Y{8+c}, {c*4*NR}(DI)")
w(f"""	ADDQ $32, SI
	ADDQ ${8*4*NR}, DI
	DECQ CX
	JNE  bt8
	VZEROUPPER
	RET
""")

w(f"""// func packAN14(dst, a *float32, lda, n8 int)
// dst[l*{MR}+i] = a[i*lda+l] for i < {MR}, l < n8; n8 % 8 == 0, n8 > 0.
// Writes exactly dst[:n8*{MR}].
TEXT ·packAN14(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ n8+24(FP), CX
	SHRQ $3, CX
	LEAQ (R8)(R8*2), R9
	LEAQ (R8)(R8*4), R10
	LEAQ (R9)(R8*4), R12
	LEAQ (SI)(R8*8), R11

an8:""")
# Rows 0-7: the first 8 floats of each of the 8 packed columns.
out.extend(loads("SI", 8))
out.extend(transpose())
for c in range(8):
    w(f"\tVMOVUPS Y{8+c}, {c*4*MR}(DI)")
# Rows 8-13: the last 6 floats.
out.extend(loads("R11", 6))
w("\tVXORPS Y6, Y6, Y6\n\tVXORPS Y7, Y7, Y7")
out.extend(transpose())
for c in range(8):
    w(f"\tVMOVUPS      X{8+c}, {c*4*MR+32}(DI)")
    w(f"\tVEXTRACTF128 $1, Y{8+c}, X{8+c}")
    w(f"\tVMOVSD       X{8+c}, {c*4*MR+48}(DI)")
w(f"""	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ ${8*4*MR}, DI
	DECQ CX
	JNE  an8
	VZEROUPPER
	RET
""")
open("kernel512_amd64.s", "w").write("\n".join(out) + "\n")

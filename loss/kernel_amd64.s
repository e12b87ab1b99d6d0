//go:build amd64 && !purego

#include "textflag.h"

// func dots4AVX(a, b *float32, n, rows, stride int, dst *float32)
// dst[r] = sum_{k<n} a[k]*b[r*stride+k] for r < rows; n%16 == 0, rows%4 == 0.
TEXT ·dots4AVX(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), BX
	MOVQ n+16(FP), R9
	SHLQ $2, R9
	MOVQ rows+24(FP), R11
	MOVQ stride+32(FP), R10
	SHLQ $2, R10
	MOVQ dst+40(FP), DX
	SHRQ $2, R11
	JZ   dotsdone

dotsgroup:
	MOVQ   BX, CX
	ADDQ   R10, CX
	MOVQ   CX, SI
	ADDQ   R10, SI
	MOVQ   SI, DI
	ADDQ   R10, DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   R8, R8
	CMPQ   R9, $0
	JE     dotsreduce

dotschunk:
	VMOVUPS     (AX)(R8*1), Y8
	VMOVUPS     32(AX)(R8*1), Y9
	VFMADD231PS (BX)(R8*1), Y8, Y0
	VFMADD231PS (CX)(R8*1), Y8, Y1
	VFMADD231PS (SI)(R8*1), Y8, Y2
	VFMADD231PS (DI)(R8*1), Y8, Y3
	VFMADD231PS 32(BX)(R8*1), Y9, Y4
	VFMADD231PS 32(CX)(R8*1), Y9, Y5
	VFMADD231PS 32(SI)(R8*1), Y9, Y6
	VFMADD231PS 32(DI)(R8*1), Y9, Y7
	ADDQ        $64, R8
	CMPQ        R8, R9
	JLT         dotschunk

dotsreduce:
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VHADDPS      Y1, Y0, Y0
	VHADDPS      Y3, Y2, Y2
	VHADDPS      Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVUPS      X0, (DX)
	ADDQ         $16, DX
	LEAQ         (DI)(R10*1), BX
	DECQ         R11
	JNZ          dotsgroup

dotsdone:
	VZEROUPPER
	RET

// func axpysAVX(y, h, x *float32, n, rows, stride int)
// y[k] += sum_{j<rows} h[j]*x[j*stride+k] for k < n; n%8 == 0, summed in j order.
TEXT ·axpysAVX(SB), NOSPLIT, $0-48
	MOVQ  y+0(FP), DI
	MOVQ  h+8(FP), SI
	MOVQ  x+16(FP), BX
	MOVQ  n+24(FP), R8
	MOVQ  rows+32(FP), CX
	MOVQ  stride+40(FP), DX
	SHLQ  $2, DX
	TESTQ CX, CX
	JZ    axdone
	XORQ  R9, R9
	MOVQ  R8, R13
	SHRQ  $6, R13
	JZ    axtail

ax64:
	VMOVUPS (DI)(R9*1), Y0
	VMOVUPS 32(DI)(R9*1), Y1
	VMOVUPS 64(DI)(R9*1), Y2
	VMOVUPS 96(DI)(R9*1), Y3
	VMOVUPS 128(DI)(R9*1), Y4
	VMOVUPS 160(DI)(R9*1), Y5
	VMOVUPS 192(DI)(R9*1), Y6
	VMOVUPS 224(DI)(R9*1), Y7
	LEAQ    (BX)(R9*1), R10
	MOVQ    SI, R11
	MOVQ    CX, R12

ax64j:
	VBROADCASTSS (R11), Y8
	VFMADD231PS  (R10), Y8, Y0
	VFMADD231PS  32(R10), Y8, Y1
	VFMADD231PS  64(R10), Y8, Y2
	VFMADD231PS  96(R10), Y8, Y3
	VFMADD231PS  128(R10), Y8, Y4
	VFMADD231PS  160(R10), Y8, Y5
	VFMADD231PS  192(R10), Y8, Y6
	VFMADD231PS  224(R10), Y8, Y7
	ADDQ         $4, R11
	ADDQ         DX, R10
	DECQ         R12
	JNZ          ax64j
	VMOVUPS      Y0, (DI)(R9*1)
	VMOVUPS      Y1, 32(DI)(R9*1)
	VMOVUPS      Y2, 64(DI)(R9*1)
	VMOVUPS      Y3, 96(DI)(R9*1)
	VMOVUPS      Y4, 128(DI)(R9*1)
	VMOVUPS      Y5, 160(DI)(R9*1)
	VMOVUPS      Y6, 192(DI)(R9*1)
	VMOVUPS      Y7, 224(DI)(R9*1)
	ADDQ         $256, R9
	DECQ         R13
	JNZ          ax64

axtail:
	MOVQ R8, R13
	ANDQ $63, R13
	SHRQ $3, R13
	JZ   axdone

ax8:
	VMOVUPS (DI)(R9*1), Y0
	LEAQ    (BX)(R9*1), R10
	MOVQ    SI, R11
	MOVQ    CX, R12

ax8j:
	VBROADCASTSS (R11), Y8
	VFMADD231PS  (R10), Y8, Y0
	ADDQ         $4, R11
	ADDQ         DX, R10
	DECQ         R12
	JNZ          ax8j
	VMOVUPS      Y0, (DI)(R9*1)
	ADDQ         $32, R9
	DECQ         R13
	JNZ          ax8

axdone:
	VZEROUPPER
	RET

// Constants of the float32 exponential (Cephes expf), each replicated 8 times.
#define C8(off, v) \
	DATA expc<>+(off+0)(SB)/4, v; DATA expc<>+(off+4)(SB)/4, v; \
	DATA expc<>+(off+8)(SB)/4, v; DATA expc<>+(off+12)(SB)/4, v; \
	DATA expc<>+(off+16)(SB)/4, v; DATA expc<>+(off+20)(SB)/4, v; \
	DATA expc<>+(off+24)(SB)/4, v; DATA expc<>+(off+28)(SB)/4, v

C8(0, $0.0)
C8(32, $-88.3762626647949)
C8(64, $1.44269504088896341)
C8(96, $0.693359375)
C8(128, $-2.12194440e-4)
C8(160, $1.9875691500e-4)
C8(192, $1.3981999507e-3)
C8(224, $8.3334519073e-3)
C8(256, $4.1665795894e-2)
C8(288, $1.6666665459e-1)
C8(320, $5.0000001201e-1)
C8(352, $1.0)
C8(384, $127)
GLOBL expc<>(SB), RODATA|NOPTR, $416

// EXP8 replaces Y0 (the argument) by exp(min(Y0, 0)); clobbers Y1-Y4.
// Arguments below -88.38 give 0.
#define EXP8 \
	VMINPS       expc<>+0(SB), Y0, Y0;   \
	VMAXPS       expc<>+32(SB), Y0, Y0;  \
	VMULPS       expc<>+64(SB), Y0, Y1;  \
	VROUNDPS     $0, Y1, Y1;             \
	VFNMADD231PS expc<>+96(SB), Y1, Y0;  \
	VFNMADD231PS expc<>+128(SB), Y1, Y0; \
	VMOVUPS      expc<>+160(SB), Y2;     \
	VFMADD213PS  expc<>+192(SB), Y0, Y2; \
	VFMADD213PS  expc<>+224(SB), Y0, Y2; \
	VFMADD213PS  expc<>+256(SB), Y0, Y2; \
	VFMADD213PS  expc<>+288(SB), Y0, Y2; \
	VFMADD213PS  expc<>+320(SB), Y0, Y2; \
	VMULPS       Y0, Y0, Y3;             \
	VFMADD213PS  Y0, Y3, Y2;             \
	VADDPS       expc<>+352(SB), Y2, Y2; \
	VCVTPS2DQ    Y1, Y4;                 \
	VPADDD       expc<>+384(SB), Y4, Y4; \
	VPSLLD       $23, Y4, Y4;            \
	VMULPS       Y4, Y2, Y0

// func expScalarAVX(dst, src *float32, n int, scale, shift, shiftLo float32)
// dst[j] = exp(min((src[j]*scale - shift) - shiftLo, 0)) for j < n; n%8 == 0.
TEXT ·expScalarAVX(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS scale+24(FP), Y14
	VBROADCASTSS shift+28(FP), Y15
	VBROADCASTSS shiftLo+32(FP), Y13
	SHRQ         $3, CX
	JZ           esdone

esloop:
	VMOVUPS     (SI), Y0
	VFMSUB213PS Y15, Y14, Y0
	VSUBPS      Y13, Y0, Y0
	EXP8
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         esloop

esdone:
	VZEROUPPER
	RET

// func expVectorAVX(dst, src, shift, shiftLo *float32, n int, scale float32)
// dst[j] = exp(min((src[j]*scale - shift[j]) - shiftLo[j], 0)) for j < n; n%8 == 0.
TEXT ·expVectorAVX(SB), NOSPLIT, $0-44
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         shift+16(FP), DX
	MOVQ         shiftLo+24(FP), BX
	MOVQ         n+32(FP), CX
	VBROADCASTSS scale+40(FP), Y14
	SHRQ         $3, CX
	JZ           evdone

evloop:
	VMOVUPS     (SI), Y0
	VMOVUPS     (DX), Y5
	VFMSUB213PS Y5, Y14, Y0
	VSUBPS      (BX), Y0, Y0
	EXP8
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, BX
	ADDQ        $32, DI
	DECQ        CX
	JNZ         evloop

evdone:
	VZEROUPPER
	RET

// func sum64AVX(s *float32, n int) float64
// Returns the float64 sum of s[:n] in 16 interleaved partial sums; n%16 == 0, n > 0.
TEXT ·sum64AVX(SB), NOSPLIT, $0-24
	MOVQ   s+0(FP), SI
	MOVQ   n+8(FP), CX
	SHRQ   $4, CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

sumloop:
	VCVTPS2PD (SI), Y4
	VCVTPS2PD 16(SI), Y5
	VCVTPS2PD 32(SI), Y6
	VCVTPS2PD 48(SI), Y7
	VADDPD    Y4, Y0, Y0
	VADDPD    Y5, Y1, Y1
	VADDPD    Y6, Y2, Y2
	VADDPD    Y7, Y3, Y3
	ADDQ      $64, SI
	DECQ      CX
	JNZ       sumloop
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VMOVSD       X0, ret+16(FP)
	VZEROUPPER
	RET

// func maxAVX(s *float32, n int) float32
// Returns the largest of s[:n] (finite values); n%32 == 0, n > 0.
TEXT ·maxAVX(SB), NOSPLIT, $0-20
	MOVQ    s+0(FP), SI
	MOVQ    n+8(FP), CX
	SHRQ    $5, CX
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3

maxloop:
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	VMAXPS 64(SI), Y2, Y2
	VMAXPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	DECQ   CX
	JNZ    maxloop
	VMAXPS       Y1, Y0, Y0
	VMAXPS       Y3, Y2, Y2
	VMAXPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4E, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xB1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

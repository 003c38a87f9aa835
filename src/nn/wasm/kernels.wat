;; Matrix-product kernels for the hand-written network (docs/NETWORK.md), in WebAssembly with 128-bit
;; SIMD. Built into gemm-binary.ts by `npm run build:wasm`; used through ../kernels-wasm.ts.
;;
;; Exactness: every sum is accumulated in double precision from zero (or from the partial sum of an
;; earlier chunk) in increasing k, and the operands are float32 values widened to double, so each
;; product is exact and each addition rounds exactly as the plain TypeScript kernels (kernels-js.ts) do.
;; The results are therefore bit-identical to theirs; a test checks it on random shapes.

(module
  (memory (export "memory") 1)

  ;; S(i, j) = [S(i, j) if init] + sum over k < K of A(i, k) * B(k, j), for i < mp and j < np, both
  ;; multiples of 4, all in f64:
  ;;   A(i, k) at byte a + 8 * (i * sa + k * sk)   (sa, sk: element strides, so A may be stored transposed)
  ;;   B(k, j) at byte b + 8 * (k * ldb + j)
  ;;   S(i, j) at byte s + 8 * (i * lds + j)
  ;; Tiles of 4 rows x 4 columns: 8 f64x2 accumulators, per k two loads of B, four broadcasts of A and
  ;; 16 multiply-adds (no fused multiply-add, whose single rounding would differ).
  (func (export "mm")
    (param $a i32) (param $sa i32) (param $sk i32) (param $b i32) (param $ldb i32)
    (param $s i32) (param $lds i32) (param $mp i32) (param $K i32) (param $np i32) (param $init i32)
    (local $i i32) (local $j i32) (local $k i32)
    (local $sa8 i32) (local $sk8 i32) (local $ldb8 i32) (local $lds8 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $pb i32) (local $o i32)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    (local $bl v128) (local $bh v128) (local $x v128)
    (local.set $sa8 (i32.shl (local.get $sa) (i32.const 3)))
    (local.set $sk8 (i32.shl (local.get $sk) (i32.const 3)))
    (local.set $ldb8 (i32.shl (local.get $ldb) (i32.const 3)))
    (local.set $lds8 (i32.shl (local.get $lds) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $mp)))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.ge_u (local.get $j) (local.get $np)))
            ;; output tile origin
            (local.set $o
              (i32.add (local.get $s)
                (i32.add (i32.mul (local.get $i) (local.get $lds8)) (i32.shl (local.get $j) (i32.const 3)))))
            (if (local.get $init)
              (then
                (local.set $c0l (v128.load (local.get $o)))
                (local.set $c0h (v128.load offset=16 (local.get $o)))
                (local.set $o (i32.add (local.get $o) (local.get $lds8)))
                (local.set $c1l (v128.load (local.get $o)))
                (local.set $c1h (v128.load offset=16 (local.get $o)))
                (local.set $o (i32.add (local.get $o) (local.get $lds8)))
                (local.set $c2l (v128.load (local.get $o)))
                (local.set $c2h (v128.load offset=16 (local.get $o)))
                (local.set $o (i32.add (local.get $o) (local.get $lds8)))
                (local.set $c3l (v128.load (local.get $o)))
                (local.set $c3h (v128.load offset=16 (local.get $o))))
              (else
                (local.set $c0l (v128.const i64x2 0 0))
                (local.set $c0h (v128.const i64x2 0 0))
                (local.set $c1l (v128.const i64x2 0 0))
                (local.set $c1h (v128.const i64x2 0 0))
                (local.set $c2l (v128.const i64x2 0 0))
                (local.set $c2h (v128.const i64x2 0 0))
                (local.set $c3l (v128.const i64x2 0 0))
                (local.set $c3h (v128.const i64x2 0 0))))
            (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa8))))
            (local.set $p1 (i32.add (local.get $p0) (local.get $sa8)))
            (local.set $p2 (i32.add (local.get $p1) (local.get $sa8)))
            (local.set $p3 (i32.add (local.get $p2) (local.get $sa8)))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $k (local.get $K))
            (block $kend
              (loop $kloop
                (br_if $kend (i32.eqz (local.get $k)))
                (local.set $bl (v128.load (local.get $pb)))
                (local.set $bh (v128.load offset=16 (local.get $pb)))
                (local.set $x (v128.load64_splat (local.get $p0)))
                (local.set $c0l (f64x2.add (local.get $c0l) (f64x2.mul (local.get $x) (local.get $bl))))
                (local.set $c0h (f64x2.add (local.get $c0h) (f64x2.mul (local.get $x) (local.get $bh))))
                (local.set $x (v128.load64_splat (local.get $p1)))
                (local.set $c1l (f64x2.add (local.get $c1l) (f64x2.mul (local.get $x) (local.get $bl))))
                (local.set $c1h (f64x2.add (local.get $c1h) (f64x2.mul (local.get $x) (local.get $bh))))
                (local.set $x (v128.load64_splat (local.get $p2)))
                (local.set $c2l (f64x2.add (local.get $c2l) (f64x2.mul (local.get $x) (local.get $bl))))
                (local.set $c2h (f64x2.add (local.get $c2h) (f64x2.mul (local.get $x) (local.get $bh))))
                (local.set $x (v128.load64_splat (local.get $p3)))
                (local.set $c3l (f64x2.add (local.get $c3l) (f64x2.mul (local.get $x) (local.get $bl))))
                (local.set $c3h (f64x2.add (local.get $c3h) (f64x2.mul (local.get $x) (local.get $bh))))
                (local.set $p0 (i32.add (local.get $p0) (local.get $sk8)))
                (local.set $p1 (i32.add (local.get $p1) (local.get $sk8)))
                (local.set $p2 (i32.add (local.get $p2) (local.get $sk8)))
                (local.set $p3 (i32.add (local.get $p3) (local.get $sk8)))
                (local.set $pb (i32.add (local.get $pb) (local.get $ldb8)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $kloop)))
            (local.set $o
              (i32.add (local.get $s)
                (i32.add (i32.mul (local.get $i) (local.get $lds8)) (i32.shl (local.get $j) (i32.const 3)))))
            (v128.store (local.get $o) (local.get $c0l))
            (v128.store offset=16 (local.get $o) (local.get $c0h))
            (local.set $o (i32.add (local.get $o) (local.get $lds8)))
            (v128.store (local.get $o) (local.get $c1l))
            (v128.store offset=16 (local.get $o) (local.get $c1h))
            (local.set $o (i32.add (local.get $o) (local.get $lds8)))
            (v128.store (local.get $o) (local.get $c2l))
            (v128.store offset=16 (local.get $o) (local.get $c2h))
            (local.set $o (i32.add (local.get $o) (local.get $lds8)))
            (v128.store (local.get $o) (local.get $c3l))
            (v128.store offset=16 (local.get $o) (local.get $c3h))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iloop))))

  ;; C(i, j) = f32(f64(C(i, j)) + S(i, j)) for i < M, j < N: C f32 row-major M x N at byte c,
  ;; S(i, j) at byte s + 8 * (i * lds + j).
  (func (export "addTo")
    (param $s i32) (param $lds i32) (param $c i32) (param $M i32) (param $N i32)
    (local $i i32) (local $j i32) (local $ps i32) (local $pc i32)
    (local.set $pc (local.get $c))
    (local.set $i (i32.const 0))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $ps (i32.add (local.get $s) (i32.shl (i32.mul (local.get $i) (local.get $lds)) (i32.const 3))))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.ge_u (local.get $j) (local.get $N)))
            (f32.store (local.get $pc)
              (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $pc))) (f64.load (local.get $ps)))))
            (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop))))

  ;; C(i, j) = f32(v) with v = f64(bias(j)) + S(i, j), or (v < 0 ? 0 : v) when relu is set (NaN stays
  ;; NaN), for i < M, j < N: bias f32[N] at byte bias, C and S as in addTo.
  (func (export "biasTo")
    (param $s i32) (param $lds i32) (param $c i32) (param $M i32) (param $N i32) (param $bias i32) (param $relu i32)
    (local $i i32) (local $j i32) (local $ps i32) (local $pc i32) (local $v f64)
    (local.set $pc (local.get $c))
    (local.set $i (i32.const 0))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $ps (i32.add (local.get $s) (i32.shl (i32.mul (local.get $i) (local.get $lds)) (i32.const 3))))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $v
              (f64.add
                (f64.promote_f32 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
                (f64.load (local.get $ps))))
            (if (i32.and (local.get $relu) (f64.lt (local.get $v) (f64.const 0)))
              (then (local.set $v (f64.const 0))))
            (f32.store (local.get $pc) (f32.demote_f64 (local.get $v)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 8)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop))))

  ;; addTo for N a multiple of 4 (then S is contiguous too, lds = N): four elements per iteration.
  (func (export "addTo4")
    (param $s i32) (param $c i32) (param $n i32)
    (local $end i32) (local $x v128)
    (local.set $end (i32.add (local.get $c) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
        (local.set $x (v128.load (local.get $c)))
        (v128.store (local.get $c)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $x)) (v128.load (local.get $s))))
            (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))) (v128.load offset=16 (local.get $s))))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 32)))
        (br $next))))

  ;; biasTo for N a multiple of 4 (lds = N): four elements per iteration. pmax(v, 0) is v < 0 ? 0 : v,
  ;; the scalar rule exactly (NaN and -0 kept).
  (func (export "biasTo4")
    (param $s i32) (param $c i32) (param $M i32) (param $N i32) (param $bias i32) (param $relu i32)
    (local $i i32) (local $j i32) (local $x v128) (local $lo v128) (local $hi v128)
    (local.set $i (i32.const 0))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $x (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $lo (f64x2.add (f64x2.promote_low_f32x4 (local.get $x)) (v128.load (local.get $s))))
            (local.set $hi (f64x2.add (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))) (v128.load offset=16 (local.get $s))))
            (if (local.get $relu)
              (then
                (local.set $lo (f64x2.pmax (local.get $lo) (f64x2.splat (f64.const 0))))
                (local.set $hi (f64x2.pmax (local.get $hi) (f64x2.splat (f64.const 0))))))
            (v128.store (local.get $c)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (f32x4.demote_f64x2_zero (local.get $lo))
                (f32x4.demote_f64x2_zero (local.get $hi))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop))))

)

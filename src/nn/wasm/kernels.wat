;; The network's kernels in WebAssembly with 128-bit SIMD on float32 (f32x4): matrix products, the GRU
;; cell and its backward. Built into kernels-binary.ts by `npm run build:wasm`; used through
;; ../kernels-wasm.ts, on the thread's kernel memory (../memory.ts), where the operands already live.
;;
;; Exactness: every value is formed by the same float32 operations in the same order as the TypeScript
;; reference (../kernels-js.ts, ../activations.ts), lane by lane. The products accumulate with fused
;; multiply-adds (f32x4.relaxed_madd: a b + s rounded once, the reference's fmaF32), which
;; ../kernels-wasm.ts uses only after checking that this machine fuses them; everything else
;; multiplies and adds separately, as the reference does. The results are therefore bit-identical; a
;; test checks it on random shapes. Sum orders:
;;   mm (NN and TN products): s = 0, s = fma(a_k, b_k, s) for k = 0 .. K-1, per output element;
;;   nt (dot products of rows): four lane sums s_l = fma(a_k, b_k, s_l) over k below K4 = K & ~3,
;;   (s0 + s1) + (s2 + s3), then s = fma(a_k, b_k, s) for the tail k = K4 .. K-1 in order.
;; All addresses are byte addresses; strides (sa, sk, ldb, ...) count float32 elements.

(module
  (import "env" "memory" (memory 1 16384 shared))
  ;; The constants of the activations (../activations.ts), as globals: V8 materialises
  ;; a v128.const at each of its uses inside a loop, a global is one load; the GRU cell ran about 12%
  ;; faster with them (measured 2026-12-02). The values are the same.
  (global $expMin v128 (v128.const f32x4 -87 -87 -87 -87))
  (global $expMax v128 (v128.const f32x4 87 87 87 87))
  (global $log2e v128 (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
  (global $half v128 (v128.const f32x4 0.5 0.5 0.5 0.5))
  (global $ln2Hi v128 (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))
  (global $ln2Lo v128 (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))
  (global $expP0 v128 (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
  (global $expP1 v128 (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3))
  (global $expP2 v128 (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3))
  (global $expP3 v128 (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2))
  (global $expP4 v128 (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1))
  (global $expP5 v128 (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1))
  (global $one v128 (v128.const f32x4 1 1 1 1))
  (global $roundMagic v128 (v128.const f32x4 12582912 12582912 12582912 12582912))
  (global $expBias v128 (v128.const i32x4 127 127 127 127))
  (global $tanhT0 v128 (v128.const f32x4 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3 -5.70498872745e-3))
  (global $tanhT1 v128 (v128.const f32x4 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2 2.06390887954e-2))
  (global $tanhT2 v128 (v128.const f32x4 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2 -5.37397155531e-2))
  (global $tanhT3 v128 (v128.const f32x4 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1 1.33314422036e-1))
  (global $tanhT4 v128 (v128.const f32x4 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1 -3.33332819422e-1))
  (global $two v128 (v128.const f32x4 2 2 2 2))
  (global $signBit v128 (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
  (global $tanhSmall v128 (v128.const f32x4 0.625 0.625 0.625 0.625))

  ;; The store of four outputs at pc: mode 0: C += s; 1: C = bias + s; 2: C = relu(bias + s), where
  ;; relu(v) = v < 0 ? 0 : v is pmax(v, 0) exactly (NaN and -0 kept); 3: C = s (a partial sum).
  (func $put4 (param $pc i32) (param $s v128) (param $pb i32) (param $mode i32)
    (local $v v128)
    (if (i32.eq (local.get $mode) (i32.const 3)) (then (v128.store (local.get $pc) (local.get $s)) (return)))
    (if (i32.eqz (local.get $mode))
      (then (v128.store (local.get $pc) (f32x4.add (v128.load (local.get $pc)) (local.get $s))))
      (else
        (local.set $v (f32x4.add (v128.load (local.get $pb)) (local.get $s)))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then (local.set $v (f32x4.pmax (local.get $v) (v128.const f32x4 0 0 0 0)))))
        (v128.store (local.get $pc) (local.get $v)))))

  ;; The same for one output.
  (func $put1 (param $pc i32) (param $s f32) (param $pb i32) (param $mode i32)
    (local $v f32)
    (if (i32.eq (local.get $mode) (i32.const 3)) (then (f32.store (local.get $pc) (local.get $s)) (return)))
    (if (i32.eqz (local.get $mode))
      (then (f32.store (local.get $pc) (f32.add (f32.load (local.get $pc)) (local.get $s))))
      (else
        (local.set $v (f32.add (f32.load (local.get $pb)) (local.get $s)))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then (local.set $v (select (f32.const 0) (local.get $v) (f32.lt (local.get $v) (f32.const 0))))))
        (f32.store (local.get $pc) (local.get $v)))))

  ;; Eight outputs at pc: C += s (lo, hi).
  (func $acc8 (param $pc i32) (param $lo v128) (param $hi v128)
    (v128.store (local.get $pc) (f32x4.add (v128.load (local.get $pc)) (local.get $lo)))
    (v128.store offset=16 (local.get $pc) (f32x4.add (v128.load offset=16 (local.get $pc)) (local.get $hi))))

  ;; Eight outputs at pc: C = pmax(bias + s, floor), floor 0 for ReLU, -inf for none (pmax(v, -inf) is v
  ;; for every v, NaN included, so both modes are one instruction sequence).
  (func $bias8 (param $pc i32) (param $lo v128) (param $hi v128) (param $bl v128) (param $bh v128) (param $floor v128)
    (v128.store (local.get $pc) (f32x4.pmax (f32x4.add (local.get $bl) (local.get $lo)) (local.get $floor)))
    (v128.store offset=16 (local.get $pc) (f32x4.pmax (f32x4.add (local.get $bh) (local.get $hi)) (local.get $floor))))

  ;; The horizontal sums (l0 + l1) + (l2 + l3) of four accumulators, as one vector.
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $p v128) (local $q v128)
    (local.set $p (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $q (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $c) (local.get $d))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $p) (local.get $q))
      (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $p) (local.get $q))))

  ;; a * b + c rounded once (fused), for one value: lane 0 of the four-lane fused multiply-add. Every
  ;; product's sum goes through fused multiply-adds (f32x4.relaxed_madd, which kernels-wasm.ts uses only
  ;; where it checked that the machine fuses it), the scalar tails and edges included, so that each
  ;; output's value is the same whichever path computes it.
  (func $fma1 (param $a f32) (param $b f32) (param $c f32) (result f32)
    (f32x4.extract_lane 0
      (f32x4.relaxed_madd (f32x4.splat (local.get $a)) (f32x4.splat (local.get $b)) (f32x4.splat (local.get $c)))))

  ;; sum over k < K of A(k) * B(k, 0..3): one row times four columns (A at pa, step sk8 bytes; B at pb,
  ;; step ldb8 bytes), from the partial sums at `init` when it is not 0.
  (func $row4 (param $pa i32) (param $sk8 i32) (param $pb i32) (param $ldb8 i32) (param $K i32) (param $init i32) (result v128)
    (local $acc v128)
    (if (local.get $init) (then (local.set $acc (v128.load (local.get $init)))))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $K)))
        (local.set $acc (f32x4.relaxed_madd (v128.load32_splat (local.get $pa)) (v128.load (local.get $pb)) (local.get $acc)))
        (local.set $pa (i32.add (local.get $pa) (local.get $sk8)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb8)))
        (local.set $K (i32.sub (local.get $K) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; The same for one column.
  (func $col1 (param $pa i32) (param $sk8 i32) (param $pb i32) (param $ldb8 i32) (param $K i32) (param $init i32) (result f32)
    (local $acc f32)
    (if (local.get $init) (then (local.set $acc (f32.load (local.get $init)))))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $K)))
        (local.set $acc (call $fma1 (f32.load (local.get $pa)) (f32.load (local.get $pb)) (local.get $acc)))
        (local.set $pa (i32.add (local.get $pa) (local.get $sk8)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb8)))
        (local.set $K (i32.sub (local.get $K) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  ;; C(i, j) for i < M, j < N from s(i, j) = sum over k < K of A(i, k) B(k, j), stored by $put4/$put1:
  ;;   A(i, k) at a + 4 (i sa + k sk): NN has sa = K, sk = 1; TN (A stored transposed) sa = 1, sk = M;
  ;;   B(k, j) at b + 4 (k ldb + j);  C(i, j) at c + 4 (i ldc + j);  bias(j) at bias + 4 j.
  ;; Tiles of 4 rows x 8 columns: 8 accumulators, per k two loads of B, four broadcasts of A and 8
  ;; fused multiply-adds. Edge columns and rows go through $row4 and $col1, in the same order. Rows are
  ;; visited in blocks of IB (a multiple of 4): the order of the tiles changes no result.
  (func (export "mm")
    (param $a i32) (param $sa i32) (param $sk i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $M i32) (param $K i32) (param $N i32)
    (param $mode i32) (param $bias i32) (param $IB i32) (param $s0 i32)
    (local $i i32) (local $j i32) (local $k i32) (local $r i32) (local $ib i32) (local $ie i32) (local $M4 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $pb i32) (local $pc i32) (local $pq i32)
    (local $x v128) (local $bl v128) (local $bh v128)
    (local $c0l v128) (local $c0h v128) (local $c1l v128) (local $c1h v128)
    (local $c2l v128) (local $c2h v128) (local $c3l v128) (local $c3h v128)
    (local.set $sa (i32.shl (local.get $sa) (i32.const 2)))
    (local.set $sk (i32.shl (local.get $sk) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $M4 (i32.and (local.get $M) (i32.const -4)))
    ;; blocks of IB rows (a multiple of 4), so that the block of A stays in cache while every column
    ;; panel of B passes over it
    (block $bend
      (loop $bloop
        (br_if $bend (i32.ge_u (local.get $ib) (local.get $M4)))
        (local.set $ie (i32.add (local.get $ib) (local.get $IB)))
        (if (i32.gt_u (local.get $ie) (local.get $M4)) (then (local.set $ie (local.get $M4))))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
            (local.set $i (local.get $ib))
            (block $iend
              (loop $iloop
                (br_if $iend (i32.ge_u (local.get $i) (local.get $ie)))
                (if (local.get $s0)
                  (then
                    ;; continue from the partial sums of an earlier chunk of k
                    (local.set $pq
                      (i32.add (local.get $s0) (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2)))))
                    (local.set $c0l (v128.load (local.get $pq)))
                    (local.set $c0h (v128.load offset=16 (local.get $pq)))
                    (local.set $pq (i32.add (local.get $pq) (local.get $ldc)))
                    (local.set $c1l (v128.load (local.get $pq)))
                    (local.set $c1h (v128.load offset=16 (local.get $pq)))
                    (local.set $pq (i32.add (local.get $pq) (local.get $ldc)))
                    (local.set $c2l (v128.load (local.get $pq)))
                    (local.set $c2h (v128.load offset=16 (local.get $pq)))
                    (local.set $pq (i32.add (local.get $pq) (local.get $ldc)))
                    (local.set $c3l (v128.load (local.get $pq)))
                    (local.set $c3h (v128.load offset=16 (local.get $pq))))
                  (else
                    (local.set $c0l (v128.const i32x4 0 0 0 0))
                    (local.set $c0h (v128.const i32x4 0 0 0 0))
                    (local.set $c1l (v128.const i32x4 0 0 0 0))
                    (local.set $c1h (v128.const i32x4 0 0 0 0))
                    (local.set $c2l (v128.const i32x4 0 0 0 0))
                    (local.set $c2h (v128.const i32x4 0 0 0 0))
                    (local.set $c3l (v128.const i32x4 0 0 0 0))
                    (local.set $c3h (v128.const i32x4 0 0 0 0))))
                (local.set $p0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa))))
                (local.set $p1 (i32.add (local.get $p0) (local.get $sa)))
                (local.set $p2 (i32.add (local.get $p1) (local.get $sa)))
                (local.set $p3 (i32.add (local.get $p2) (local.get $sa)))
                (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
                (local.set $k (local.get $K))
                (block $kend
                  (loop $kloop
                    (br_if $kend (i32.eqz (local.get $k)))
                    (local.set $bl (v128.load (local.get $pb)))
                    (local.set $bh (v128.load offset=16 (local.get $pb)))
                    (local.set $x (v128.load32_splat (local.get $p0)))
                    (local.set $c0l (f32x4.relaxed_madd (local.get $x) (local.get $bl) (local.get $c0l)))
                    (local.set $c0h (f32x4.relaxed_madd (local.get $x) (local.get $bh) (local.get $c0h)))
                    (local.set $x (v128.load32_splat (local.get $p1)))
                    (local.set $c1l (f32x4.relaxed_madd (local.get $x) (local.get $bl) (local.get $c1l)))
                    (local.set $c1h (f32x4.relaxed_madd (local.get $x) (local.get $bh) (local.get $c1h)))
                    (local.set $x (v128.load32_splat (local.get $p2)))
                    (local.set $c2l (f32x4.relaxed_madd (local.get $x) (local.get $bl) (local.get $c2l)))
                    (local.set $c2h (f32x4.relaxed_madd (local.get $x) (local.get $bh) (local.get $c2h)))
                    (local.set $x (v128.load32_splat (local.get $p3)))
                    (local.set $c3l (f32x4.relaxed_madd (local.get $x) (local.get $bl) (local.get $c3l)))
                    (local.set $c3h (f32x4.relaxed_madd (local.get $x) (local.get $bh) (local.get $c3h)))
                    (local.set $p0 (i32.add (local.get $p0) (local.get $sk)))
                    (local.set $p1 (i32.add (local.get $p1) (local.get $sk)))
                    (local.set $p2 (i32.add (local.get $p2) (local.get $sk)))
                    (local.set $p3 (i32.add (local.get $p3) (local.get $sk)))
                    (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br $kloop)))
                (local.set $pc
                  (i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2)))))
                (if (i32.eq (local.get $mode) (i32.const 3))
                  (then
                    (v128.store (local.get $pc) (local.get $c0l))
                    (v128.store offset=16 (local.get $pc) (local.get $c0h))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (v128.store (local.get $pc) (local.get $c1l))
                    (v128.store offset=16 (local.get $pc) (local.get $c1h))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (v128.store (local.get $pc) (local.get $c2l))
                    (v128.store offset=16 (local.get $pc) (local.get $c2h))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (v128.store (local.get $pc) (local.get $c3l))
                    (v128.store offset=16 (local.get $pc) (local.get $c3h)))
                (else
                (if (i32.eqz (local.get $mode))
                  (then
                    (call $acc8 (local.get $pc) (local.get $c0l) (local.get $c0h))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (call $acc8 (local.get $pc) (local.get $c1l) (local.get $c1h))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (call $acc8 (local.get $pc) (local.get $c2l) (local.get $c2h))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (call $acc8 (local.get $pc) (local.get $c3l) (local.get $c3h)))
                  (else
                    (local.set $pq (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))
                    (local.set $bl (v128.load (local.get $pq)))
                    (local.set $bh (v128.load offset=16 (local.get $pq)))
                    (local.set $x (v128.const i32x4 0 0 0 0))
                    (if (i32.eq (local.get $mode) (i32.const 1)) (then (local.set $x (v128.const i32x4 0xff800000 0xff800000 0xff800000 0xff800000))))
                    (call $bias8 (local.get $pc) (local.get $c0l) (local.get $c0h) (local.get $bl) (local.get $bh) (local.get $x))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (call $bias8 (local.get $pc) (local.get $c1l) (local.get $c1h) (local.get $bl) (local.get $bh) (local.get $x))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (call $bias8 (local.get $pc) (local.get $c2l) (local.get $c2h) (local.get $bl) (local.get $bh) (local.get $x))
                    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
                    (call $bias8 (local.get $pc) (local.get $c3l) (local.get $c3h) (local.get $bl) (local.get $bh) (local.get $x))))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $iloop)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jloop)))
        ;; the remaining columns of the block's rows, one row at a time
        (local.set $r (local.get $ib))
        (block $rend
          (loop $rloop
            (br_if $rend (i32.ge_u (local.get $r) (local.get $ie)))
            (call $edge (local.get $a) (local.get $sa) (local.get $sk) (local.get $b) (local.get $ldb)
              (local.get $c) (local.get $ldc) (local.get $r) (local.get $j)
              (local.get $K) (local.get $N) (local.get $mode) (local.get $bias) (local.get $s0))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rloop)))
        (local.set $ib (local.get $ie))
        (br $bloop)))
    ;; the remaining rows
    (local.set $i (local.get $M4))
    (block $tend
      (loop $tloop
        (br_if $tend (i32.ge_u (local.get $i) (local.get $M)))
        (call $edge (local.get $a) (local.get $sa) (local.get $sk) (local.get $b) (local.get $ldb)
          (local.get $c) (local.get $ldc) (local.get $i) (i32.const 0)
          (local.get $K) (local.get $N) (local.get $mode) (local.get $bias) (local.get $s0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tloop))))

  ;; Row i of mm from column j0 on (strides already in bytes): four columns at a time, then one.
  (func $edge
    (param $a i32) (param $sa i32) (param $sk i32) (param $b i32) (param $ldb i32)
    (param $c i32) (param $ldc i32) (param $i i32) (param $j i32) (param $K i32) (param $N i32)
    (param $mode i32) (param $bias i32) (param $s0 i32)
    (local $pa i32) (local $pc i32) (local $ps i32)
    (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sa))))
    (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
    (if (local.get $s0) (then (local.set $ps (i32.add (local.get $s0) (i32.mul (local.get $i) (local.get $ldc))))))
    (block $end4
      (loop $next4
        (br_if $end4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
        (call $put4
          (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2)))
          (call $row4 (local.get $pa) (local.get $sk) (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $K)
            (select (i32.add (local.get $ps) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $ps)))
          (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $mode))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next4)))
    (block $end1
      (loop $next1
        (br_if $end1 (i32.ge_u (local.get $j) (local.get $N)))
        (call $put1
          (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2)))
          (call $col1 (local.get $pa) (local.get $sk) (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $K)
            (select (i32.add (local.get $ps) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $ps)))
          (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $mode))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next1))))

  ;; The NT order's end: (l0 + l1) + (l2 + l3) of the lane sums, then the tail k = K4 .. K-1 of
  ;; A(k) B(k) (pa, pb already at k = K4, `tail` elements).
  (func $finish (param $acc v128) (param $pa i32) (param $pb i32) (param $tail i32) (result f32)
    (local $s f32)
    (local.set $s
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $tail)))
        (local.set $s (call $fma1 (f32.load (local.get $pa)) (f32.load (local.get $pb)) (local.get $s)))
        (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
        (local.set $pb (i32.add (local.get $pb) (i32.const 4)))
        (local.set $tail (i32.sub (local.get $tail) (i32.const 1)))
        (br $next)))
    (local.get $s))

  ;; The dot product of K elements at pa and pb in the NT order.
  (func $dot (param $pa i32) (param $pb i32) (param $K i32) (result f32)
    (local $acc v128) (local $k i32) (local $K4 i32)
    (local.set $K4 (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $K4)))
        (local.set $acc (f32x4.relaxed_madd
          (v128.load (i32.add (local.get $pa) (local.get $k))) (v128.load (i32.add (local.get $pb) (local.get $k))) (local.get $acc)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
    (call $finish (local.get $acc) (i32.add (local.get $pa) (local.get $K4)) (i32.add (local.get $pb) (local.get $K4))
      (i32.and (local.get $K) (i32.const 3))))

  ;; C(i, j) += dot(A row i, B row j) for i < M, j < N: A rows of K at a (row stride lda), B rows of K
  ;; at b (stride ldb), C at c (stride ldc). Tiles of 2 rows x 4 columns: 8 lane accumulators, per four
  ;; k two loads of A, four of B and 8 fused multiply-adds.
  (func (export "nt")
    (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $j i32) (local $k i32) (local $K4 i32) (local $tail i32)
    (local $pa0 i32) (local $pa1 i32) (local $pb0 i32) (local $pb1 i32) (local $pb2 i32) (local $pb3 i32)
    (local $pc0 i32) (local $pc1 i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $K4 (i32.shl (i32.and (local.get $K) (i32.const -4)) (i32.const 2)))
    (local.set $tail (i32.and (local.get $K) (i32.const 3)))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $M)))
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $pa1 (i32.add (local.get $pa0) (local.get $lda)))
        (local.set $pc0 (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $pc1 (i32.add (local.get $pc0) (local.get $ldc)))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
            (local.set $pb0 (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $ldb))))
            (local.set $pb1 (i32.add (local.get $pb0) (local.get $ldb)))
            (local.set $pb2 (i32.add (local.get $pb1) (local.get $ldb)))
            (local.set $pb3 (i32.add (local.get $pb2) (local.get $ldb)))
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c02 (v128.const i32x4 0 0 0 0))
            (local.set $c03 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0))
            (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c12 (v128.const i32x4 0 0 0 0))
            (local.set $c13 (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.const 0))
            (block $kend
              (loop $kloop
                (br_if $kend (i32.ge_u (local.get $k) (local.get $K4)))
                (local.set $x0 (v128.load (i32.add (local.get $pa0) (local.get $k))))
                (local.set $x1 (v128.load (i32.add (local.get $pa1) (local.get $k))))
                (local.set $y (v128.load (i32.add (local.get $pb0) (local.get $k))))
                (local.set $c00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c00)))
                (local.set $c10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c10)))
                (local.set $y (v128.load (i32.add (local.get $pb1) (local.get $k))))
                (local.set $c01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c01)))
                (local.set $c11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c11)))
                (local.set $y (v128.load (i32.add (local.get $pb2) (local.get $k))))
                (local.set $c02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c02)))
                (local.set $c12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c12)))
                (local.set $y (v128.load (i32.add (local.get $pb3) (local.get $k))))
                (local.set $c03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c03)))
                (local.set $c13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c13)))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $kloop)))
            (if (i32.eqz (local.get $tail))
              (then
                (local.set $pb0 (i32.add (local.get $pc0) (i32.shl (local.get $j) (i32.const 2))))
                (v128.store (local.get $pb0) (f32x4.add (v128.load (local.get $pb0))
                  (call $hsum4 (local.get $c00) (local.get $c01) (local.get $c02) (local.get $c03))))
                (local.set $pb0 (i32.add (local.get $pc1) (i32.shl (local.get $j) (i32.const 2))))
                (v128.store (local.get $pb0) (f32x4.add (v128.load (local.get $pb0))
                  (call $hsum4 (local.get $c10) (local.get $c11) (local.get $c12) (local.get $c13)))))
              (else
            (call $add1 (i32.add (local.get $pc0) (i32.shl (local.get $j) (i32.const 2)))
              (call $finish (local.get $c00) (i32.add (local.get $pa0) (local.get $K4)) (i32.add (local.get $pb0) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc0) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)))
              (call $finish (local.get $c01) (i32.add (local.get $pa0) (local.get $K4)) (i32.add (local.get $pb1) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc0) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 2)))
              (call $finish (local.get $c02) (i32.add (local.get $pa0) (local.get $K4)) (i32.add (local.get $pb2) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc0) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 2)))
              (call $finish (local.get $c03) (i32.add (local.get $pa0) (local.get $K4)) (i32.add (local.get $pb3) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc1) (i32.shl (local.get $j) (i32.const 2)))
              (call $finish (local.get $c10) (i32.add (local.get $pa1) (local.get $K4)) (i32.add (local.get $pb0) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc1) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)))
              (call $finish (local.get $c11) (i32.add (local.get $pa1) (local.get $K4)) (i32.add (local.get $pb1) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc1) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 2)))
              (call $finish (local.get $c12) (i32.add (local.get $pa1) (local.get $K4)) (i32.add (local.get $pb2) (local.get $K4)) (local.get $tail)))
            (call $add1 (i32.add (local.get $pc1) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 2)))
              (call $finish (local.get $c13) (i32.add (local.get $pa1) (local.get $K4)) (i32.add (local.get $pb3) (local.get $K4)) (local.get $tail)))
              ))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $jloop)))
        ;; remaining columns of the two rows
        (block $cend
          (loop $cloop
            (br_if $cend (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $pb0 (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $ldb))))
            (call $add1 (i32.add (local.get $pc0) (i32.shl (local.get $j) (i32.const 2))) (call $dot (local.get $pa0) (local.get $pb0) (local.get $K)))
            (call $add1 (i32.add (local.get $pc1) (i32.shl (local.get $j) (i32.const 2))) (call $dot (local.get $pa1) (local.get $pb0) (local.get $K)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cloop)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $iloop)))
    ;; a last odd row
    (if (i32.lt_u (local.get $i) (local.get $M))
      (then
        (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $pc0 (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $lend
          (loop $lloop
            (br_if $lend (i32.ge_u (local.get $j) (local.get $N)))
            (call $add1 (i32.add (local.get $pc0) (i32.shl (local.get $j) (i32.const 2)))
              (call $dot (local.get $pa0) (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $ldb))) (local.get $K)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $lloop))))))

  (func $add1 (param $pc i32) (param $s f32)
    (f32.store (local.get $pc) (f32.add (f32.load (local.get $pc)) (local.get $s))))

  ;; out(j) += s(j) for j < N, s(j) = sum over the M rows of A(i, j) in order (A rows of N at a, out at
  ;; o): the bias gradients. Sixteen columns at a time (four independent sums), then four, then one.
  (func (export "colSums") (param $a i32) (param $M i32) (param $N i32) (param $o i32)
    (local $j i32) (local $i i32) (local $p i32) (local $N4 i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t f32)
    (local.set $N4 (i32.shl (local.get $N) (i32.const 2)))
    (block $end16
      (loop $next16
        (br_if $end16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $N)))
        (local.set $s0 (v128.const i32x4 0 0 0 0))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $s3 (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (local.get $M))
        (block $rend
          (loop $rows
            (br_if $rend (i32.eqz (local.get $i)))
            (local.set $s0 (f32x4.add (local.get $s0) (v128.load (local.get $p))))
            (local.set $s1 (f32x4.add (local.get $s1) (v128.load offset=16 (local.get $p))))
            (local.set $s2 (f32x4.add (local.get $s2) (v128.load offset=32 (local.get $p))))
            (local.set $s3 (f32x4.add (local.get $s3) (v128.load offset=48 (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $N4)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $p (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $s0)))
        (v128.store offset=16 (local.get $p) (f32x4.add (v128.load offset=16 (local.get $p)) (local.get $s1)))
        (v128.store offset=32 (local.get $p) (f32x4.add (v128.load offset=32 (local.get $p)) (local.get $s2)))
        (v128.store offset=48 (local.get $p) (f32x4.add (v128.load offset=48 (local.get $p)) (local.get $s3)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next16)))
    (block $end4
      (loop $next4
        (br_if $end4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
        (local.set $s0 (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (local.get $M))
        (block $rend4
          (loop $rows4
            (br_if $rend4 (i32.eqz (local.get $i)))
            (local.set $s0 (f32x4.add (local.get $s0) (v128.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $N4)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br $rows4)))
        (local.set $p (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $s0)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next4)))
    (block $end1
      (loop $next1
        (br_if $end1 (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $t (f32.const 0))
        (local.set $p (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $i (local.get $M))
        (block $rend1
          (loop $rows1
            (br_if $rend1 (i32.eqz (local.get $i)))
            (local.set $t (f32.add (local.get $t) (f32.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (local.get $N4)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br $rows1)))
        (local.set $p (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $p) (f32.add (f32.load (local.get $p)) (local.get $t)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next1))))

  ;; dX(p) = Y(p) > 0 ? dX(p) : 0 for p < n (the ReLU backward; NaN in Y gives 0).
  (func (export "reluBack") (param $dx i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dx) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $dx) (local.get $end)))
        (v128.store (local.get $dx)
          (v128.and (v128.load (local.get $dx)) (f32x4.gt (v128.load (local.get $y)) (v128.const i32x4 0 0 0 0))))
        (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $next4)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done1
      (loop $next1
        (br_if $done1 (i32.ge_u (local.get $dx) (local.get $end)))
        (if (i32.eqz (f32.gt (f32.load (local.get $y)) (f32.const 0))) (then (f32.store (local.get $dx) (f32.const 0))))
        (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $next1))))

  ;; dst row i (at dst + i dstStride bytes) = src row idx[i] (len bytes each, a multiple of 16; src rows
  ;; contiguous) for i < n: the read points' hidden states gathered into the trunk's input
  ;; (../kernels-js.ts gatherRows). Vector moves: memory.copy per row was no faster than JavaScript.
  (func (export "gatherRows") (param $dst i32) (param $dstStride i32) (param $src i32) (param $idx i32) (param $n i32) (param $len i32)
    (local $j i32) (local $ps i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $ps (i32.add (local.get $src) (i32.mul (i32.load (local.get $idx)) (local.get $len))))
        (local.set $j (i32.const 0))
        (block $rend
          (loop $row
            (br_if $rend (i32.ge_u (local.get $j) (local.get $len)))
            (v128.store (i32.add (local.get $dst) (local.get $j)) (v128.load (i32.add (local.get $ps) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $row)))
        (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; dst row idx[i] += src row i (at src + i srcStride bytes) for i < n, in order of i, len bytes a row
  ;; (a multiple of 16): the read points' gradients added into the hidden states' (../kernels-js.ts
  ;; scatterAddRows).
  (func (export "scatterAddRows") (param $dst i32) (param $src i32) (param $srcStride i32) (param $idx i32) (param $n i32) (param $len i32)
    (local $j i32) (local $pd i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $pd (i32.add (local.get $dst) (i32.mul (i32.load (local.get $idx)) (local.get $len))))
        (local.set $j (i32.const 0))
        (block $rend
          (loop $row
            (br_if $rend (i32.ge_u (local.get $j) (local.get $len)))
            (v128.store (i32.add (local.get $pd) (local.get $j))
              (f32x4.add (v128.load (i32.add (local.get $pd) (local.get $j))) (v128.load (i32.add (local.get $src) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $row)))
        (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; Adam's update (../kernels-js.ts adamUpdate) of n float32 parameters at p from the gradient at g and
  ;; the moments at m and v, in double as the reference: for each element
  ;;   m = b1 m + c1 g;  v = b2 v + (c2 g) g   (stored as float32)
  ;;   p = p - (stepSize m) / (sqrt(v) / bc2Sqrt + eps)   (m and v as stored, p stored as float32)
  ;; two elements per f64x2 operation; the last odd element alone.
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f64) (param $c1 f64) (param $b2 f64) (param $c2 f64) (param $stepSize f64) (param $bc2Sqrt f64) (param $eps f64)
    (local $end i32) (local $o i32)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $S v128) (local $Q v128) (local $E v128)
    (local $gd v128) (local $md v128) (local $vd v128)
    (local $gs f64) (local $ms f64) (local $vs f64)
    (local.set $B1 (f64x2.splat (local.get $b1)))
    (local.set $C1 (f64x2.splat (local.get $c1)))
    (local.set $B2 (f64x2.splat (local.get $b2)))
    (local.set $C2 (f64x2.splat (local.get $c2)))
    (local.set $S (f64x2.splat (local.get $stepSize)))
    (local.set $Q (f64x2.splat (local.get $bc2Sqrt)))
    (local.set $E (f64x2.splat (local.get $eps)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $gd (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $o)))))
        (local.set $md (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (f64x2.mul (local.get $B1) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $m) (local.get $o)))))
            (f64x2.mul (local.get $C1) (local.get $gd))))))
        (local.set $vd (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (f64x2.mul (local.get $B2) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $v) (local.get $o)))))
            (f64x2.mul (f64x2.mul (local.get $C2) (local.get $gd)) (local.get $gd))))))
        (v128.store64_lane 0 (i32.add (local.get $m) (local.get $o)) (f32x4.demote_f64x2_zero (local.get $md)))
        (v128.store64_lane 0 (i32.add (local.get $v) (local.get $o)) (f32x4.demote_f64x2_zero (local.get $vd)))
        (v128.store64_lane 0 (i32.add (local.get $p) (local.get $o))
          (f32x4.demote_f64x2_zero
            (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $p) (local.get $o))))
              (f64x2.div (f64x2.mul (local.get $S) (local.get $md))
                (f64x2.add (f64x2.div (f64x2.sqrt (local.get $vd)) (local.get $Q)) (local.get $E))))))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $gs (f64.promote_f32 (f32.load (i32.add (local.get $g) (local.get $o)))))
        (local.set $ms (f64.promote_f32 (f32.demote_f64
          (f64.add (f64.mul (local.get $b1) (f64.promote_f32 (f32.load (i32.add (local.get $m) (local.get $o)))))
            (f64.mul (local.get $c1) (local.get $gs))))))
        (local.set $vs (f64.promote_f32 (f32.demote_f64
          (f64.add (f64.mul (local.get $b2) (f64.promote_f32 (f32.load (i32.add (local.get $v) (local.get $o)))))
            (f64.mul (f64.mul (local.get $c2) (local.get $gs)) (local.get $gs))))))
        (f32.store (i32.add (local.get $m) (local.get $o)) (f32.demote_f64 (local.get $ms)))
        (f32.store (i32.add (local.get $v) (local.get $o)) (f32.demote_f64 (local.get $vs)))
        (f32.store (i32.add (local.get $p) (local.get $o))
          (f32.demote_f64
            (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $p) (local.get $o))))
              (f64.div (f64.mul (local.get $stepSize) (local.get $ms))
                (f64.add (f64.div (f64.sqrt (local.get $vs)) (local.get $bc2Sqrt)) (local.get $eps)))))))))

  ;; e^x on four lanes (../activations.ts expF32, operation for operation).
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    ;; the clamp x < -87 ? -87 : x > 87 ? 87 : x, as pmax(x, -87) = (x < -87 ? -87 : x) and pmin(., 87) =
    ;; (87 < . ? 87 : .): exactly the reference's comparisons (NaN and -0 pass through), one instruction
    ;; each, where min and max (which order NaN and signed zeros themselves) take several
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (global.get $expMin)) (global.get $expMax)))
    (local.set $n (f32x4.floor (f32x4.add (f32x4.mul (local.get $x) (global.get $log2e)) (global.get $half))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (global.get $ln2Hi))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (global.get $ln2Lo))))
    (local.set $p (global.get $expP0))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (global.get $expP1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (global.get $expP2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (global.get $expP3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (global.get $expP4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (global.get $expP5)))
    (local.set $p
      (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (global.get $one)))
    ;; times 2^n, built from its exponent bits: n (an integer in [-126, 126]) plus 1.5 * 2^23 is exact
    ;; and holds n + 0x4B400000 in its bits, so (bits + 127) << 23 is 2^n's bit pattern (the shift
    ;; drops the constant's bits); the same value as converting n to an integer, in fewer instructions
    (f32x4.mul (local.get $p)
      (i32x4.shl
        (i32x4.add (f32x4.add (local.get $n) (global.get $roundMagic)) (global.get $expBias))
        (i32.const 23))))

  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div (global.get $one) (f32x4.add (global.get $one) (call $exp4 (f32x4.neg (local.get $x))))))

  ;; tanh on four lanes (../activations.ts tanhF32): both branches, then each lane picks its own.
  (func $tanh4 (param $x v128) (result v128)
    (local $ax v128) (local $z v128) (local $p v128) (local $big v128)
    (local.set $ax (f32x4.abs (local.get $x)))
    (local.set $z (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (global.get $tanhT0))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (global.get $tanhT1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (global.get $tanhT2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (global.get $tanhT3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (global.get $tanhT4)))
    (local.set $p (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $z)) (local.get $x)) (local.get $x)))
    (local.set $big
      (f32x4.sub (global.get $one)
        (f32x4.div (global.get $two) (f32x4.add (call $exp4 (f32x4.add (local.get $ax) (local.get $ax))) (global.get $one)))))
    (local.set $big (v128.or (local.get $big) (v128.and (local.get $x) (global.get $signBit))))
    (v128.bitselect (local.get $p) (local.get $big) (f32x4.lt (local.get $ax) (global.get $tanhSmall))))

  ;; The GRU cell (../kernels-js.ts gruCell) for n rows of H units, H a multiple of 4: gate rows of 3H
  ;; at g (pre-activations in, r | z | n out) and gh, previous states at hp (used when hasPrev), new
  ;; states to ho (may equal hp). Each row in two passes: the sigmoids of r and z (adjacent in the row,
  ;; one flat loop of independent lanes), then tanh and the new state, which need r. Each pass's
  ;; iterations are independent, so the processor overlaps several of them; in one pass, each
  ;; iteration's tanh waited on its own sigmoid (the cell ran about 1.5x slower that way).
  (func (export "gruCell")
    (param $g i32) (param $gh i32) (param $hp i32) (param $hasPrev i32) (param $ho i32) (param $n i32) (param $H i32)
    (local $H4 i32) (local $H8 i32) (local $j i32) (local $pg i32) (local $pgh i32)
    (local $z v128) (local $c v128) (local $prev v128)
    (local.set $H4 (i32.shl (local.get $H) (i32.const 2)))
    (local.set $H8 (i32.shl (local.get $H) (i32.const 3)))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.eqz (local.get $n)))
        ;; r | z = sigmoid(G + GH) over the row's first 2H values
        (local.set $j (i32.const 0))
        (block $send
          (loop $sloop
            (br_if $send (i32.ge_u (local.get $j) (local.get $H8)))
            (local.set $pg (i32.add (local.get $g) (local.get $j)))
            (v128.store (local.get $pg)
              (call $sigmoid4 (f32x4.add (v128.load (local.get $pg)) (v128.load (i32.add (local.get $gh) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $sloop)))
        ;; n = tanh(G_n + r * GH_n), h' = (1 - z) n + z h
        (local.set $j (i32.const 0))
        (block $tend
          (loop $tloop
            (br_if $tend (i32.ge_u (local.get $j) (local.get $H4)))
            (local.set $pg (i32.add (local.get $g) (local.get $j)))
            (local.set $pgh (i32.add (local.get $gh) (local.get $j)))
            (local.set $c (call $tanh4 (f32x4.add
              (v128.load (i32.add (local.get $pg) (local.get $H8)))
              (f32x4.mul (v128.load (local.get $pg)) (v128.load (i32.add (local.get $pgh) (local.get $H8)))))))
            (local.set $z (v128.load (i32.add (local.get $pg) (local.get $H4))))
            (local.set $prev (v128.const i32x4 0 0 0 0))
            (if (local.get $hasPrev) (then (local.set $prev (v128.load (i32.add (local.get $hp) (local.get $j))))))
            (v128.store (i32.add (local.get $ho) (local.get $j))
              (f32x4.add
                (f32x4.mul (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z)) (local.get $c))
                (f32x4.mul (local.get $z) (local.get $prev))))
            (v128.store (i32.add (local.get $pg) (local.get $H8)) (local.get $c))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $tloop)))
        (local.set $g (i32.add (local.get $g) (i32.mul (local.get $H4) (i32.const 3))))
        (local.set $gh (i32.add (local.get $gh) (i32.mul (local.get $H4) (i32.const 3))))
        (local.set $hp (i32.add (local.get $hp) (local.get $H4)))
        (local.set $ho (i32.add (local.get $ho) (local.get $H4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $iloop))))

  ;; The GRU cell's backward (../kernels-js.ts gruCellBackward) for n rows of H units, H a multiple of
  ;; 4: gates at g, hidden pre-activations at gh, gradients dG at dg and dGH at dgh (all rows of 3H at
  ;; the same offsets), previous states at hp and their gradient at dhp (used when hasPrev), the new
  ;; states' gradient at dh.
  (func (export "gruBack")
    (param $g i32) (param $gh i32) (param $hp i32) (param $hasPrev i32) (param $dh i32) (param $dhp i32)
    (param $dg i32) (param $dgh i32) (param $n i32) (param $H i32)
    (local $H4 i32) (local $H8 i32) (local $j i32)
    (local $d v128) (local $r v128) (local $z v128) (local $c v128) (local $prev v128)
    (local $dc v128) (local $dz v128) (local $dr v128)
    (local.set $H4 (i32.shl (local.get $H) (i32.const 2)))
    (local.set $H8 (i32.shl (local.get $H) (i32.const 3)))
    (block $iend
      (loop $iloop
        (br_if $iend (i32.eqz (local.get $n)))
        (local.set $j (i32.const 0))
        (block $jend
          (loop $jloop
            (br_if $jend (i32.ge_u (local.get $j) (local.get $H4)))
            (local.set $d (v128.load (i32.add (local.get $dh) (local.get $j))))
            (local.set $r (v128.load (i32.add (local.get $g) (local.get $j))))
            (local.set $z (v128.load (i32.add (i32.add (local.get $g) (local.get $H4)) (local.get $j))))
            (local.set $c (v128.load (i32.add (i32.add (local.get $g) (local.get $H8)) (local.get $j))))
            (local.set $prev (v128.const i32x4 0 0 0 0))
            (if (local.get $hasPrev) (then (local.set $prev (v128.load (i32.add (local.get $hp) (local.get $j))))))
            (local.set $dc (f32x4.mul
              (f32x4.mul (local.get $d) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z)))
              (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $c) (local.get $c)))))
            (local.set $dz (f32x4.mul
              (f32x4.mul (f32x4.mul (local.get $d) (f32x4.sub (local.get $prev) (local.get $c))) (local.get $z))
              (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $z))))
            (local.set $dr (f32x4.mul
              (f32x4.mul (f32x4.mul (local.get $dc) (v128.load (i32.add (i32.add (local.get $gh) (local.get $H8)) (local.get $j)))) (local.get $r))
              (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $r))))
            (v128.store (i32.add (local.get $dg) (local.get $j)) (local.get $dr))
            (v128.store (i32.add (i32.add (local.get $dg) (local.get $H4)) (local.get $j)) (local.get $dz))
            (v128.store (i32.add (i32.add (local.get $dg) (local.get $H8)) (local.get $j)) (local.get $dc))
            (v128.store (i32.add (local.get $dgh) (local.get $j)) (local.get $dr))
            (v128.store (i32.add (i32.add (local.get $dgh) (local.get $H4)) (local.get $j)) (local.get $dz))
            (v128.store (i32.add (i32.add (local.get $dgh) (local.get $H8)) (local.get $j)) (f32x4.mul (local.get $dc) (local.get $r)))
            (if (local.get $hasPrev)
              (then
                (v128.store (i32.add (local.get $dhp) (local.get $j))
                  (f32x4.add (v128.load (i32.add (local.get $dhp) (local.get $j))) (f32x4.mul (local.get $d) (local.get $z))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $jloop)))
        (local.set $g (i32.add (local.get $g) (i32.mul (local.get $H4) (i32.const 3))))
        (local.set $gh (i32.add (local.get $gh) (i32.mul (local.get $H4) (i32.const 3))))
        (local.set $dg (i32.add (local.get $dg) (i32.mul (local.get $H4) (i32.const 3))))
        (local.set $dgh (i32.add (local.get $dgh) (i32.mul (local.get $H4) (i32.const 3))))
        (local.set $hp (i32.add (local.get $hp) (local.get $H4)))
        (local.set $dhp (i32.add (local.get $dhp) (local.get $H4)))
        (local.set $dh (i32.add (local.get $dh) (local.get $H4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $iloop))))
)

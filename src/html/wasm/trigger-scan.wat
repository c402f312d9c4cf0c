;; Where an include marker could begin: the first `<` (from $from, before $end - 1) whose next
;; byte, with bit 0x20 set, is `!` (0x21), `e`, `f` or `s` (or `/`, 0x2f, when $slash is 1);
;; -1 when there is none. Sixteen positions at a time (SIMD); the caller (include-triggers.ts)
;; checks each candidate in full and asks again after it. Bytes live in memory from 0.
(module
  (memory (export "memory") 1)
  (func (export "find") (param $from i32) (param $end i32) (param $slash i32) (result i32)
    (local $p i32) (local $mask i32) (local $angles i32) (local $lower v128) (local $hit v128)
    (local $c i32)
    (local.set $p (local.get $from))
    ;; Vector loop: needs bytes p .. p + 16 (the byte after each `<` too). Most blocks of sixteen
    ;; bytes of a page have no `<`: those cost one compare, the others the full test.
    (block $vector_done
      (loop $vector
        (br_if $vector_done (i32.gt_s (i32.add (local.get $p) (i32.const 17)) (local.get $end)))
        (local.set $angles
          (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $p)) (i8x16.splat (i32.const 0x3c)))))
        (if (local.get $angles)
          (then
            (local.set $lower (v128.or (v128.load offset=1 align=1 (local.get $p)) (i8x16.splat (i32.const 0x20))))
            (local.set $hit
              (v128.or
                (v128.or
                  (i8x16.eq (local.get $lower) (i8x16.splat (i32.const 0x21)))
                  (i8x16.eq (local.get $lower) (i8x16.splat (i32.const 0x65))))
                (v128.or
                  (i8x16.eq (local.get $lower) (i8x16.splat (i32.const 0x66)))
                  (i8x16.eq (local.get $lower) (i8x16.splat (i32.const 0x73))))))
            (if (local.get $slash)
              (then (local.set $hit (v128.or (local.get $hit) (i8x16.eq (local.get $lower) (i8x16.splat (i32.const 0x2f)))))))
            (local.set $mask (i32.and (local.get $angles) (i8x16.bitmask (local.get $hit))))
            (if (local.get $mask)
              (then (return (i32.add (local.get $p) (i32.ctz (local.get $mask))))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vector)))
    ;; The rest, a byte at a time.
    (block $done
      (loop $scalar
        (br_if $done (i32.ge_s (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x3c))
          (then
            (local.set $c (i32.or (i32.load8_u offset=1 (local.get $p)) (i32.const 0x20)))
            (if (i32.or
                  (i32.or (i32.eq (local.get $c) (i32.const 0x21)) (i32.eq (local.get $c) (i32.const 0x65)))
                  (i32.or
                    (i32.or (i32.eq (local.get $c) (i32.const 0x66)) (i32.eq (local.get $c) (i32.const 0x73)))
                    (i32.and (local.get $slash) (i32.eq (local.get $c) (i32.const 0x2f)))))
              (then (return (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scalar)))
    (i32.const -1)))

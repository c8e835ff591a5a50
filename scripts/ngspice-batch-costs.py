#!/usr/bin/env python3
"""Where a co-simulated batch's time goes inside libngspice (BENCHMARKS.md, issue 17).

Usage:
    eqprop netlist --layers 784,100,10 --hardware ideal --form norton --pixels P --out n.cir
    python3 scripts/ngspice-batch-costs.py n.cir

Turns the deck into the co-simulation's form (the crossbar subcircuit flattened, no node
capacitors or .control block, the Norton input currents and 10 output nudges as EXTERNAL
sources fed by a callback, a swept dummy source) and times, through libngspice as the worker
uses it: removing the old circuit, loading the deck, `dc` sweeps of N samples with their Newton
iterations, and 1,320 `alter`s in place of a reload.
"""
import ctypes, sys, time

def co_simulation_deck(path):
    lines, skip = [], False
    for l in open(path).read().split("\n"):
        if l.startswith(".control"): skip = True
        if skip:
            skip = not l.startswith(".endc")
            continue
        if not l or l.startswith(("+", "X", ".subckt", ".ends", ".end", "C")): continue
        if l.startswith("Iin_"): l = " ".join(l.split()[:3]) + " external"
        lines.append(l)
    lines += [f"Inudge_{k} 0 o{k} external" for k in range(10)]
    return lines + ["Vsweep sweep 0 DC 0", "Rsweep sweep 0 1", ".end"]

ng = ctypes.CDLL("libngspice.so.0")
TEXT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)
EXIT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_bool, ctypes.c_bool, ctypes.c_int, ctypes.c_void_p)
DATA = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
INIT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
SOURCE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_double), ctypes.c_double, ctypes.c_char_p,
                          ctypes.c_int, ctypes.c_void_p)
output, point = [], [0]
def text(s, i, p): output.append(s.decode()); return 0
def data(*a): point[0] += 1; return 0
def source(v, t, name, i, p):  # a few µA, different per source and sweep point
    v[0] = 1e-6 * ((sum(name) % 7) - 3) * (1 + point[0] % 3); return 0
callbacks = [TEXT(text), EXIT(lambda *a: 0), DATA(data), INIT(lambda *a: 0), SOURCE(source)]
ng.ngSpice_Init(callbacks[0], callbacks[0], callbacks[1], callbacks[2], callbacks[3], None, None)
ng.ngSpice_Init_Sync(callbacks[4], callbacks[4], None, ctypes.byref(ctypes.c_int(0)), None)

deck = co_simulation_deck(sys.argv[1])
def command(c): ng.ngSpice_Command(c.encode())
def load():
    ng.ngSpice_Circ((ctypes.c_char_p * (len(deck) + 1))(*[l.encode() for l in deck], None))
def sweep(n): point[0] = 0; command(f"dc vsweep 0 {n - 1} 1")
def ms(f, repeats=20):
    t = time.perf_counter()
    for _ in range(repeats): f()
    return (time.perf_counter() - t) / repeats * 1e3
def iterations():
    del output[:]; command("rusage totiter")
    return int(next(l for l in output if "Total iterations" in l).split("=")[1])

print(f"deck: {len(deck)} lines, {sum(l.startswith('R') for l in deck)} resistors")
load()
print("remove + load: %.2f ms" % ms(lambda: (command("destroy all"), command("remcirc"), load())))
for n in (1, 2, 4, 8):
    before = iterations()
    t = ms(lambda: (sweep(n), command("destroy all")), 10)
    print("dc sweep of %d: %.2f ms, %.1f Newton iterations" % (n, t, (iterations() - before) / 10))
resistors = [l.split() for l in deck if l.startswith("R") and not l.startswith("Rsweep")]
def alters(): [command(f"alter {r[0]} = {r[3]}") for r in resistors]
reload = ms(lambda: (command("destroy all"), command("remcirc"), load(), *[sweep(4) for _ in range(3)]))
command("destroy all"); command("remcirc"); load()
print("reload + 3 sweeps of 4: %.2f ms; %d alters + 3 sweeps of 4: %.2f ms (alters alone %.2f ms)" % (
    reload, len(resistors), ms(lambda: (alters(), command("destroy all"), *[sweep(4) for _ in range(3)])), ms(alters, 5)))
errors = [l for l in output if "rror" in l]
if errors: sys.exit("ngspice reported: " + "; ".join(errors[:3]))

import Foundation
import Numerics

/// A crossbar with resistive wires, solved exactly (docs/wire-mesh.md, hardware/README.md).
///
/// Geometry. Cell (i, j) is a device of conductance G_ij between node x_ij on row wire i and
/// node y_ij on column wire j. Row wire i runs from its driver (the input source, or the
/// amplifier output / node of the layer below) at the column −1 end through x_i0, x_i1, …:
/// one segment of r before every cell. Column wire j runs from its neuron node at the row −1
/// end through y_0j, y_1j, …: one segment of r before every cell. A crossbar larger than a
/// tile (`tileRows` × `tileColumns`) is split into tiles, each with its own wires; a driver
/// or neuron node joins its wire in every tile that holds it. Tiles meet only at those port
/// nodes, so the crossbar's port admittance is the sum of its tiles'.
///
/// Reduction. With the ports' voltages given, a tile is a linear network: its internal nodes
/// (2·P·Q for a P × Q tile) can be eliminated exactly (Kron reduction), leaving a symmetric
/// admittance Y on the ports: I = Y·[u; V], current into the mesh at each port. Each tile is
/// oriented so that blocks run along its longer side (P ≥ Q): the "across" wires (Q cells,
/// port at one end) are the blocks, the "along" wires (P cells, port at the p = −1 end)
/// join consecutive blocks.
///
/// 1. Across wire p is a tridiagonal chain A_p (diagonal 2/r + g_q, 1/r + g at the far end,
///    off-diagonal −1/r). Eliminating it couples the along-wire nodes y_p of block p densely:
///    S_p = D_g − D_g A_p⁻¹ D_g (Q × Q), s_p = D_g A_p⁻¹ e₀ / r (to its port a_p),
///    σ_p = 1/r − (A_p⁻¹)₀₀ / r² (the port's own term). O(Q²) per block.
/// 2. The along wires make the reduced system block tridiagonal:
///    (S_p + n_p/r·I) y_p − (y_{p−1} + y_{p+1})/r = s_p a_p, y_{−1} = b (the along ports),
///    n_p = 2 except 1 for the last block. Block elimination from the far end:
///    T_{P−1} = S_{P−1} + I/r,  T_p = S_p + 2I/r − T_{p+1}⁻¹/r²,
///    with T_p⁻¹ by recursive block elimination (`SymmetricInverse`, BLAS gemm): 4Q³/3 flops
///    per block, P·Q³ per tile, P·Q² doubles kept. A_p⁻¹ itself takes Q² multiplications
///    (its semiseparable form, see `init`).
/// 3. For m right-hand sides (port voltage sets) a forward and a back substitution cost
///    4·P·Q²·m flops (BLAS gemm): w_{P−1} = s a, w_p = s_p a_p + T_{p+1}⁻¹ w_{p+1}/r;
///    y_0 = T_0⁻¹(w_0 + b/r), y_p = T_p⁻¹(w_p + y_{p−1}/r). Port currents: (b − y_0)/r into
///    along ports, σ_p a_p − s_pᵀ y_p into across ports; the across-wire nodes by one
///    tridiagonal solve per block, x_p = A_p⁻¹(D_g y_p + e₀ a_p/r): O(P·Q·m).
///
/// Cost for drn-xs's input crossbar (1568 × 100 cells, untiled or 256-row tiles): P·Q³ ≈
/// 1.6·10⁹ flops and 125 MB of T⁻¹ per reduction, done once per conductance change (once per
/// minibatch in training); the column-port admittance comes free from T_0⁻¹; each batch of
/// samples costs 4·P·Q²·B flops more. The result is exact up to rounding: the reduction
/// subtracts quantities of order 1/r to leave port conductances of order ΣG, losing about
/// log₁₀(1/(r·ΣG)) digits (2 at r = 0.1 Ω and ΣG = 0.1 S).
public struct CrossbarMesh: Sendable {
    public let rows: Int
    public let columns: Int
    /// Ω per wire segment.
    public let wireResistance: Double
    /// The tile size in use (the whole crossbar when untiled), cells.
    public let tileRows: Int
    public let tileColumns: Int
    private(set) var tiles: [MeshTile]

    /// Factorizes every tile of the crossbar with device conductances `g` (rows × columns, S)
    /// and wire segments of `wireResistance` Ω; `tileRows`/`tileColumns` 0 = no tiling.
    /// Tiles are factorized on the two cores.
    public init(conductances g: DoubleMatrix, wireResistance r: Double, tileRows: Int = 0, tileColumns: Int = 0) {
        precondition(r > 0 && r.isFinite, "a mesh needs wire resistance > 0")
        rows = g.rows
        columns = g.columns
        wireResistance = r
        let tr = Self.tileExtent(tileRows, of: g.rows), tc = Self.tileExtent(tileColumns, of: g.columns)
        self.tileRows = tr
        self.tileColumns = tc
        var specs: [(Range<Int>, Range<Int>)] = []
        for i0 in stride(from: 0, to: g.rows, by: max(tr, 1)) {
            for j0 in stride(from: 0, to: g.columns, by: max(tc, 1)) {
                specs.append((i0..<min(i0 + tr, g.rows), j0..<min(j0 + tc, g.columns)))
            }
        }
        tiles = specs.map { MeshTile(rows: $0.0, columns: $0.1, r: r) }
        factorizeTiles(g)
    }

    /// Refactorizes the mesh for new device conductances `g` (same shape, S) in place: what a
    /// training run does once per minibatch, without reallocating the P·Q² doubles of T⁻¹.
    public mutating func refactorize(conductances g: DoubleMatrix) {
        precondition(g.rows == rows && g.columns == columns, "a mesh refactorizes for conductances of its own shape")
        factorizeTiles(g)
    }

    /// The tile size in use along a side of `extent` cells for a preset's `size` (0 = untiled).
    static func tileExtent(_ size: Int, of extent: Int) -> Int { size > 0 ? min(size, extent) : extent }

    /// Whether this mesh has the geometry `init` would give for these arguments (so that
    /// `refactorize` can replace building a new one).
    public func hasGeometry(rows: Int, columns: Int, wireResistance r: Double, tileRows: Int, tileColumns: Int) -> Bool {
        rows == self.rows && columns == self.columns && r == wireResistance
            && Self.tileExtent(tileRows, of: rows) == self.tileRows && Self.tileExtent(tileColumns, of: columns) == self.tileColumns
    }

    /// Factorizes every tile, half of them on each core.
    private mutating func factorizeTiles(_ g: DoubleMatrix) {
        let count = tiles.count
        _ = tiles.withUnsafeMutableBufferPointer { tiles in
            Self.onBothCores(count) { range in for k in range { tiles[k].factorize(g) } }
        }
    }

    /// Runs `body` on tiles 0..<count split in two halves, one per core (the first half on this
    /// thread); returns the two halves' results in tile order. The products inside are small
    /// (Q ≤ a few hundred), below OpenBLAS's threading threshold, so each half runs on its core
    /// alone.
    static func onBothCores<R>(_ count: Int, _ body: (Range<Int>) -> R) -> [R] {
        if count <= 1 { return [body(0..<count)] }
        let mid = (count + 1) / 2
        let (a, b) = Parallel.both({ body(0..<mid) }, { body(mid..<count) })
        return [a, b]
    }

    /// Bytes a mesh of this size keeps (T⁻¹ blocks, chain factors, couplings) plus its port
    /// admittance: what `init` and `admittance` allocate, estimated before allocating. (A training
    /// run also keeps one `RowForward` of the input crossbar, rows · columns · B doubles: the size
    /// of the crossbar's own conductances times the batch, far below the T⁻¹ blocks.)
    public static func memoryEstimate(rows: Int, columns: Int, tileRows: Int, tileColumns: Int) -> Double {
        let tr = Self.tileExtent(tileRows, of: rows), tc = Self.tileExtent(tileColumns, of: columns)
        var doubles = 0.0
        for i0 in stride(from: 0, to: rows, by: max(tr, 1)) {
            for j0 in stride(from: 0, to: columns, by: max(tc, 1)) {
                let a = Double(min(i0 + tr, rows) - i0), b = Double(min(j0 + tc, columns) - j0)
                let p = max(a, b), q = min(a, b)
                doubles += p * q * q + 4 * p * q + q * q
            }
        }
        let ports = Double(rows + columns)
        return 8 * (doubles + ports * ports)
    }

    /// The crossbar's port admittance: Y_rr (rows × rows), K = −Y_rc (rows × columns, the
    /// effective cross conductances, ≥ 0) and Y_cc (columns × columns), S. `rowPorts: false`
    /// skips Y_rr and K (a crossbar driven by ideal sources needs only Y_cc).
    public func admittance(rowPorts: Bool) -> MeshAdmittance {
        var result = MeshAdmittance(rowSelf: DoubleMatrix(rows: rowPorts ? rows : 0, columns: rowPorts ? rows : 0),
                                    cross: DoubleMatrix(rows: rowPorts ? rows : 0, columns: rowPorts ? columns : 0),
                                    columnSelf: DoubleMatrix(rows: columns, columns: columns))
        for tile in tiles { tile.addAdmittance(into: &result, rowPorts: rowPorts) }
        return result
    }

    /// The part of a solve that depends on the row ports' voltages alone: the forward
    /// substitution of every tile whose across wires are rows (`transposed` tiles have none).
    /// A later solve with the same rows (or the same rows repeated, as both phases of a
    /// minibatch have them on the input crossbar) starts from it instead of reading the
    /// factorization once more.
    public struct RowForward: Sendable {
        /// The row voltages it was computed for, B × rows, V.
        public let rowVoltages: DoubleMatrix
        /// Per tile, w (P × Q × B), or nil for a transposed tile.
        let w: [[Double]?]

        /// The tile's part for a solve whose rows are these voltages repeated (nil otherwise).
        func known(tile k: Int, rows u: DoubleMatrix) -> (w: [Double], m: Int)? {
            guard let w = w[k], rowVoltages.rows > 0, u.rows % rowVoltages.rows == 0 else { return nil }
            return (w, rowVoltages.rows)
        }

        /// Whether `u` is `rowVoltages` repeated (exactly).
        func matches(_ u: DoubleMatrix) -> Bool {
            let b = rowVoltages.rows
            guard b > 0, u.rows % b == 0, u.columns == rowVoltages.columns else { return false }
            return rowVoltages.withUnsafeBufferPointer { r in
                u.withUnsafeBufferPointer { x in (0..<x.count).allSatisfy { x[$0] == r[$0 % r.count] } }
            }
        }
    }

    /// The forward substitution of row voltages u (B × rows, V) through every tile.
    public func rowForward(_ u: DoubleMatrix) -> RowForward {
        precondition(u.columns == rows)
        let tiles = self.tiles, zero = DoubleMatrix(rows: u.rows, columns: columns)
        let halves = Self.onBothCores(tiles.count) { range in
            range.map { k -> [Double]? in
                let tile = tiles[k]
                guard !tile.transposed else { return nil }
                var w = [Double](repeating: 0, count: tile.p * tile.q * u.rows)
                tile.forward(a: tile.portVoltages(u, zero).a, m: u.rows, into: &w)
                return w
            }
        }
        return RowForward(rowVoltages: u, w: halves.flatMap { $0 })
    }

    /// Currents from each port into the mesh (A) for B port-voltage sets: `rowVoltages` B × rows
    /// (drivers), `columnVoltages` B × columns (neuron nodes), V. `rowPorts: false` leaves the
    /// row ports' currents empty (0 × 0) and skips the back substitution they need.
    /// `forward` (of these row voltages, `rowForward`) saves the forward substitution.
    public func portCurrents(rowVoltages u: DoubleMatrix, columnVoltages v: DoubleMatrix, rowPorts: Bool = true,
                             forward: RowForward? = nil) -> (rows: DoubleMatrix, columns: DoubleMatrix) {
        precondition(u.columns == rows && v.columns == columns && u.rows == v.rows)
        let forward = forward.flatMap { $0.matches(u) ? $0 : nil }
        let tiles = self.tiles, rowCount = rows, columnCount = columns
        // Each half of the tiles sums into its own currents; the halves are added in tile order.
        let halves = Self.onBothCores(tiles.count) { range in
            var ir: DoubleMatrix? = rowPorts ? DoubleMatrix(rows: u.rows, columns: rowCount) : nil
            var ic: DoubleMatrix? = DoubleMatrix(rows: u.rows, columns: columnCount)
            for k in range { tiles[k].addPortCurrents(u, v, rowCurrents: &ir, columnCurrents: &ic, known: forward?.known(tile: k, rows: u)) }
            return (rows: ir ?? DoubleMatrix(rows: 0, columns: 0), columns: ic!)
        }
        var total = halves[0]
        for half in halves.dropFirst() {
            total.rows.withUnsafeMutableBufferPointer { t in half.rows.withUnsafeBufferPointer { h in for i in t.indices { t[i] += h[i] } } }
            total.columns.withUnsafeMutableBufferPointer { t in half.columns.withUnsafeBufferPointer { h in for i in t.indices { t[i] += h[i] } } }
        }
        return total
    }

    /// The voltages of every internal node for B port-voltage sets: `visit(b, rowWire,
    /// columnWire)` once per sample with rows × columns matrices of x_ij (row-wire node of cell
    /// ij) and y_ij (column-wire node), V.
    public func nodeVoltages(rowVoltages u: DoubleMatrix, columnVoltages v: DoubleMatrix,
                             _ visit: (Int, DoubleMatrix, DoubleMatrix) -> Void) {
        precondition(u.columns == rows && v.columns == columns && u.rows == v.rows)
        var xs = [DoubleMatrix](repeating: DoubleMatrix(rows: rows, columns: columns), count: u.rows)
        var ys = xs
        for tile in tiles {
            let m = u.rows
            tile.visitNodeVoltages(u, v) { block, across, along in
                for k in 0..<tile.q {
                    let (i, j) = tile.cell(block: block, k)
                    for s in 0..<m {
                        // Across wires are row wires unless the tile is transposed.
                        xs[s][i, j] = tile.transposed ? along[k * m + s] : across[k * m + s]
                        ys[s][i, j] = tile.transposed ? across[k * m + s] : along[k * m + s]
                    }
                }
            }
        }
        for b in 0..<u.rows { visit(b, xs[b], ys[b]) }
    }

    /// Σ_b w_b (x_bij − y_bij)²: the squared voltage across every device, weighted per sample
    /// and summed over the batch, V² (rows × columns). EqProp's local rule reads it, ∂E/∂G_ij =
    /// ½ ΔV_ij²: with the second phase's samples weighted +1 and the first's −1 in one batch,
    /// both phases share one pass over the factorization (its T⁻¹ blocks are read once).
    /// `forward` (`rowForward` of u's first rows, when u repeats them) saves the forward
    /// substitution of every tile whose across wires are rows.
    public func weightedDeviceVoltageSquares(rowVoltages u: DoubleMatrix, columnVoltages v: DoubleMatrix,
                                             weights: [Double], forward: RowForward? = nil) -> DoubleMatrix {
        precondition(u.columns == rows && v.columns == columns && u.rows == v.rows && weights.count == u.rows)
        let forward = forward.flatMap { $0.matches(u) ? $0 : nil }
        var sums = DoubleMatrix(rows: rows, columns: columns)
        let columnCount = columns, m = u.rows
        sums.withUnsafeMutableBufferPointer { ps in
        weights.withUnsafeBufferPointer { pw in
            let sums = ps.baseAddress!, weights = pw.baseAddress!, tiles = self.tiles
            // Tiles hold disjoint cells: the two halves write different elements of `sums`.
            _ = Self.onBothCores(tiles.count) { range in for k in range {
                let tile = tiles[k]
                tile.visitNodeVoltages(u, v, known: forward?.known(tile: k, rows: u)) { block, across, along in
                    let (i0, j0) = tile.cell(block: block, 0)
                    // Element k of the wire is cell (i0, j0 + k), or (i0 + k, j0) when transposed.
                    let start = sums + i0 * columnCount + j0, stride = tile.transposed ? columnCount : 1
                    for k in 0..<tile.q {
                        var sum = 0.0
                        for s in 0..<m {
                            let d = across[k * m + s] - along[k * m + s]
                            sum += weights[s] * d * d
                        }
                        start[k * stride] += sum
                    }
                }
            }}
        }}
        return sums
    }
}

/// The port admittance of a crossbar mesh (`CrossbarMesh.admittance`), S. The full matrix
/// [[Y_rr, −K], [−Kᵀ, Y_cc]] is a Laplacian: symmetric, off-diagonal ≤ 0, rows summing to 0.
public struct MeshAdmittance: Sendable {
    public var rowSelf: DoubleMatrix
    public var cross: DoubleMatrix
    public var columnSelf: DoubleMatrix
}

/// One tile's factorization (see `CrossbarMesh`). Arrays are in block orientation: element
/// (p, q) of a P × Q block grid; `transposed` when blocks are the tile's columns.
struct MeshTile: Sendable {
    let rowRange: Range<Int>
    let columnRange: Range<Int>
    let transposed: Bool
    let p: Int
    let q: Int
    let r: Double
    /// Device conductances, P × Q.
    private(set) var g: [Double]
    /// The LDLᵀ factors of every across-wire chain A_p, P × Q each: 1/d_k (inverse pivots)
    /// and ρ_k = (1/r)/d_k, so that chain solves take multiplications only.
    private(set) var inversePivots: [Double]
    private(set) var rho: [Double]
    /// T_p⁻¹, P blocks of Q × Q.
    private(set) var tInverse: [Double]
    /// s_p, P × Q.
    private(set) var coupling: [Double]
    /// σ_p, P.
    private(set) var selfTerm: [Double]

    /// An unfactorized tile of the crossbar's cells `rows` × `columns`: `factorize` fills it.
    init(rows: Range<Int>, columns: Range<Int>, r: Double) {
        rowRange = rows
        columnRange = columns
        transposed = columns.count > rows.count
        let p = transposed ? columns.count : rows.count, q = transposed ? rows.count : columns.count
        self.p = p
        self.q = q
        self.r = r
        g = [Double](repeating: 0, count: p * q)
        inversePivots = g
        rho = g
        coupling = g
        tInverse = [Double](repeating: 0, count: p * q * q)
        selfTerm = [Double](repeating: 0, count: p)
    }

    /// Factorizes the tile for the crossbar's conductances (S), in the tile's own storage: a
    /// training run refactorizes every minibatch without allocating.
    mutating func factorize(_ conductances: DoubleMatrix) {
        let rows = rowRange, columns = columnRange, p = self.p, q = self.q, r = self.r, transposed = self.transposed
        for a in 0..<p {
            for b in 0..<q {
                g[a * q + b] = transposed ? conductances[rows.lowerBound + b, columns.lowerBound + a]
                                          : conductances[rows.lowerBound + a, columns.lowerBound + b]
            }
        }
        let invR = 1 / r, invR2 = invR * invR
        var z = [Double](repeating: 0, count: q * q)
        var selfTerm = self.selfTerm
        defer { self.selfTerm = selfTerm }
        g.withUnsafeBufferPointer { pg in
        tInverse.withUnsafeMutableBufferPointer { pt in
        coupling.withUnsafeMutableBufferPointer { ps in
        rho.withUnsafeMutableBufferPointer { prho in
        inversePivots.withUnsafeMutableBufferPointer { pinv in
        z.withUnsafeMutableBufferPointer { pz in
            let z = pz.baseAddress!
            for block in stride(from: p - 1, through: 0, by: -1) {
                let gb = pg.baseAddress! + block * q, inv = pinv.baseAddress! + block * q, rho = prho.baseAddress! + block * q
                // LDLᵀ of the across-wire chain: diagonal 2/r + g (1/r + g at the far end), off −1/r.
                for k in 0..<q {
                    let diag = gb[k] + (k < q - 1 ? 2 * invR : invR)
                    let d = k == 0 ? diag : diag - invR2 * inv[k - 1]
                    inv[k] = 1 / d
                    rho[k] = invR * inv[k]
                }
                // Z = A⁻¹ from the pivots, with multiplications only: the inverse of a
                // tridiagonal matrix is semiseparable. Diagonal: Z_aa = 1/d_a + ρ_a² Z_{a+1,a+1}
                // (ρ_a = (1/r)/d_a; every term positive, no cancellation). Above it, row by row
                // from the far end: Z_aj = ρ_a Z_{a+1,j} (j > a). Below it, row by row from the
                // near end: Z_aj = f_a Z_{a−1,j} (j < a), f_a = ρ_{a−1} Z_aa / Z_{a−1,a−1}. Every
                // loop runs along a row (contiguous, vectorized).
                z[(q - 1) * q + q - 1] = inv[q - 1]
                if q >= 2 {
                    for a in stride(from: q - 2, through: 0, by: -1) {
                        let row = z + a * q, below = z + (a + 1) * q, ra = rho[a]
                        row[a] = inv[a] + ra * ra * below[a + 1]
                        for j in (a + 1)..<q { row[j] = ra * below[j] }
                    }
                    for a in 1..<q {
                        let row = z + a * q, above = z + (a - 1) * q
                        let f = rho[a - 1] * row[a] / above[a - 1]
                        for j in 0..<a { row[j] = f * above[j] }
                    }
                }
                let t = pt.baseAddress! + block * q * q
                // T = S + n/r·I − T_{p+1}⁻¹/r², S = D_g − D_g Z D_g.
                let n = block < p - 1 ? 2.0 : 1.0
                for a in 0..<q {
                    let row = t + a * q, zrow = z + a * q, ga = gb[a]
                    if block < p - 1 {
                        let next = t + q * q + a * q
                        for b in 0..<q { row[b] = -ga * zrow[b] * gb[b] - invR2 * next[b] }
                    } else {
                        for b in 0..<q { row[b] = -ga * zrow[b] * gb[b] }
                    }
                    row[a] += ga + n * invR
                    ps[block * q + a] = ga * zrow[0] * invR  // Z_a0 = Z_0a
                }
                selfTerm[block] = invR - invR2 * z[0]
                let ok = SymmetricInverse.invert(t, n: q)
                precondition(ok, "a crossbar mesh block is not positive definite (non-positive conductance?)")
            }
        }}}}}}
    }

    /// The tile's port voltages in block orientation for B sets: across ports a (P × B) and
    /// along ports b (Q × B).
    func portVoltages(_ u: DoubleMatrix, _ v: DoubleMatrix) -> (a: [Double], b: [Double]) {
        let m = u.rows
        var a = [Double](repeating: 0, count: p * m), b = [Double](repeating: 0, count: q * m)
        for s in 0..<m {
            for k in 0..<p { a[k * m + s] = transposed ? v[s, columnRange.lowerBound + k] : u[s, rowRange.lowerBound + k] }
            for k in 0..<q { b[k * m + s] = transposed ? u[s, rowRange.lowerBound + k] : v[s, columnRange.lowerBound + k] }
        }
        return (a, b)
    }

    /// Adds this tile's port currents for B port-voltage sets (rows of `u`: the crossbar's row
    /// ports, of `v`: its column ports) into `rowCurrents` and `columnCurrents` (B × rows,
    /// B × columns of the whole crossbar; nil = not wanted). When only the along ports'
    /// currents are wanted, the back substitution stops at block 0.
    func addPortCurrents(_ u: DoubleMatrix, _ v: DoubleMatrix, rowCurrents: inout DoubleMatrix?, columnCurrents: inout DoubleMatrix?,
                         known: (w: [Double], m: Int)? = nil) {
        let m = u.rows
        let (a, b) = portVoltages(u, v)
        let wantAlong = transposed ? rowCurrents != nil : columnCurrents != nil
        let wantAcross = transposed ? columnCurrents != nil : rowCurrents != nil
        var y = [Double](repeating: 0, count: p * q * m)
        substitute(a: a, b: b, m: m, backBlocks: wantAcross ? p : 1, into: &y, known: known)
        let invR = 1 / r
        for s in 0..<m {
            if wantAlong {
                for k in 0..<q {
                    let current = (b[k * m + s] - y[k * m + s]) * invR
                    if transposed { rowCurrents![s, rowRange.lowerBound + k] += current } else { columnCurrents![s, columnRange.lowerBound + k] += current }
                }
            }
            if wantAcross {
                for block in 0..<p {
                    var current = selfTerm[block] * a[block * m + s]
                    for k in 0..<q { current -= coupling[block * q + k] * y[(block * q + k) * m + s] }
                    if transposed { columnCurrents![s, columnRange.lowerBound + block] += current } else { rowCurrents![s, rowRange.lowerBound + block] += current }
                }
            }
        }
    }

    /// Visits the internal node voltages of B port-voltage sets, one across wire at a time:
    /// `visit(block, across, along)` with Q × B matrices (element k·B + s: sample s) of the
    /// voltages on across wire `block` (x_p) and on the along-wire nodes it crosses (y_p), V,
    /// in block orientation. x_p = A_p⁻¹(D_g y_p + e₀ a_p/r), all samples at once.
    func visitNodeVoltages(_ u: DoubleMatrix, _ v: DoubleMatrix, known: (w: [Double], m: Int)? = nil,
                           _ visit: (Int, UnsafePointer<Double>, UnsafePointer<Double>) -> Void) {
        let m = u.rows
        let (a, b) = portVoltages(u, v)
        var y = [Double](repeating: 0, count: p * q * m)
        substitute(a: a, b: b, m: m, backBlocks: p, into: &y, known: known)
        let invR = 1 / r
        var x = [Double](repeating: 0, count: q * m)
        inversePivots.withUnsafeBufferPointer { pinv in
        rho.withUnsafeBufferPointer { prho in
        g.withUnsafeBufferPointer { pg in
        y.withUnsafeBufferPointer { py in
        x.withUnsafeMutableBufferPointer { px in
            let x = px.baseAddress!
            for block in 0..<p {
                let gb = pg.baseAddress! + block * q, yb = py.baseAddress! + block * q * m
                let inv = pinv.baseAddress! + block * q, rho = prho.baseAddress! + block * q
                for k in 0..<q {
                    let gk = gb[k], xk = x + k * m, yk = yb + k * m
                    for s in 0..<m { xk[s] = gk * yk[s] }
                }
                for s in 0..<m { x[s] += a[block * m + s] * invR }
                // LDLᵀ solve of the chain: L has −ρ_{k−1} below the diagonal, D = diag(d).
                for k in 1..<max(q, 1) {
                    let c = rho[k - 1], xk = x + k * m, prev = x + (k - 1) * m
                    for s in 0..<m { xk[s] += c * prev[s] }
                }
                let last = x + (q - 1) * m, il = inv[q - 1]
                for s in 0..<m { last[s] *= il }
                if q >= 2 {
                    for k in stride(from: q - 2, through: 0, by: -1) {
                        let ik = inv[k], c = rho[k], xk = x + k * m, next = x + (k + 1) * m
                        for s in 0..<m { xk[s] = xk[s] * ik + c * next[s] }
                    }
                }
                visit(block, x, yb)
            }
        }}}}}
    }

    /// The cell (row, column) of the whole crossbar at element k of across wire `block`.
    @inline(__always)
    func cell(block: Int, _ k: Int) -> (row: Int, column: Int) {
        transposed ? (rowRange.lowerBound + k, columnRange.lowerBound + block)
                   : (rowRange.lowerBound + block, columnRange.lowerBound + k)
    }

    /// The along-wire node voltages y (P × Q × m) for across-port voltages a (P × m) and
    /// along-port voltages b (Q × m): the forward and back substitutions of `CrossbarMesh`.
    /// The back substitution stops after `backBlocks` blocks (1: only y_0, what the along
    /// ports' currents need). `known`: the forward substitution of the same across-port
    /// voltages for m′ samples (`forward`), whose sample s′ serves every sample s ≡ s′ (mod m′).
    func substitute(a: [Double], b: [Double], m: Int, backBlocks: Int, into y: inout [Double], known: (w: [Double], m: Int)? = nil) {
        let invR = 1 / r
        let qq = q * q, qm = q * m
        if let known {
            // w, repeated for each group of m′ samples, in y's storage.
            let km = known.m
            y.withUnsafeMutableBufferPointer { py in
            known.w.withUnsafeBufferPointer { pw in
                for row in 0..<(p * q) {
                    let dst = py.baseAddress! + row * m, src = pw.baseAddress! + row * km
                    for s in 0..<m { dst[s] = src[s % km] }
                }
            }}
        } else {
            forward(a: a, m: m, into: &y)
        }
        var tmp = [Double](repeating: 0, count: qm)
        tInverse.withUnsafeBufferPointer { pt in
        y.withUnsafeMutableBufferPointer { py in
        tmp.withUnsafeMutableBufferPointer { ptmp in
            let t = pt.baseAddress!, w = py.baseAddress!, tmp = ptmp.baseAddress!
            // Back: y_0 = T_0⁻¹(w_0 + b/r), y_p = T_p⁻¹(w_p + y_{p−1}/r).
            for block in 0..<min(backBlocks, p) {
                let wb = w + block * qm
                for k in 0..<qm { tmp[k] = wb[k] + invR * (block == 0 ? b[k] : wb[k - qm]) }
                Double.gemm(transposeA: false, transposeB: false, m: q, n: m, k: q, alpha: 1,
                            a: t + block * qq, lda: q, b: tmp, ldb: m, beta: 0, c: wb, ldc: m)
            }
        }}}
    }

    /// The forward substitution for across-port voltages a (P × m): w_p = s_p a_pᵀ +
    /// T_{p+1}⁻¹ w_{p+1}/r, P × Q × m, written into `w`.
    func forward(a: [Double], m: Int, into w: inout [Double]) {
        let invR = 1 / r
        let qq = q * q, qm = q * m
        tInverse.withUnsafeBufferPointer { pt in
        coupling.withUnsafeBufferPointer { ps in
        w.withUnsafeMutableBufferPointer { pw in
            let t = pt.baseAddress!, w = pw.baseAddress!
            for block in stride(from: p - 1, through: 0, by: -1) {
                let wb = w + block * qm
                for k in 0..<q {
                    let sk = ps[block * q + k]
                    for s in 0..<m { wb[k * m + s] = sk * a[block * m + s] }
                }
                if block < p - 1 {
                    Double.gemm(transposeA: false, transposeB: false, m: q, n: m, k: q, alpha: invR,
                                a: t + (block + 1) * qq, lda: q, b: w + (block + 1) * qm, ldb: m, beta: 1, c: wb, ldc: m)
                }
            }
        }}}
    }

    /// Adds this tile's port admittance into the crossbar's.
    func addAdmittance(into result: inout MeshAdmittance, rowPorts: Bool) {
        let invR = 1 / r
        // Along ports (columns unless transposed) from T_0⁻¹: Y_bb = I/r − T_0⁻¹/r².
        let alongSelf: (Int, Int) -> Double = { i, j in (i == j ? invR : 0) - invR * invR * self.tInverse[i * self.q + j] }
        let needAcross = rowPorts || transposed  // the column ports are across ports when transposed
        if !transposed || rowPorts {
            // Along-port block.
            for i in 0..<q {
                for j in 0..<q {
                    if transposed {
                        result.rowSelf[rowRange.lowerBound + i, rowRange.lowerBound + j] += alongSelf(i, j)
                    } else {
                        result.columnSelf[columnRange.lowerBound + i, columnRange.lowerBound + j] += alongSelf(i, j)
                    }
                }
            }
        }
        guard needAcross else { return }
        // Across-port columns: unit voltage on across port k, everything else at 0 V.
        let m = p
        var a = [Double](repeating: 0, count: p * m)
        for k in 0..<p { a[k * m + k] = 1 }
        let b = [Double](repeating: 0, count: q * m)
        var y = [Double](repeating: 0, count: p * q * m)
        substitute(a: a, b: b, m: m, backBlocks: p, into: &y)
        for k in 0..<p {  // port driven
            // Across ports' currents.
            for block in 0..<p {
                var current = selfTerm[block] * (block == k ? 1 : 0)
                for c in 0..<q { current -= coupling[block * q + c] * y[(block * q + c) * m + k] }
                if transposed {
                    result.columnSelf[columnRange.lowerBound + block, columnRange.lowerBound + k] += current
                } else {
                    result.rowSelf[rowRange.lowerBound + block, rowRange.lowerBound + k] += current
                }
            }
            guard rowPorts else { continue }
            // Along ports' currents −y_0/r: the cross term −K.
            for c in 0..<q {
                let current = -y[c * m + k] * invR
                if transposed {
                    result.cross[rowRange.lowerBound + c, columnRange.lowerBound + k] -= current
                } else {
                    result.cross[rowRange.lowerBound + k, columnRange.lowerBound + c] -= current
                }
            }
        }
    }
}

extension CrossbarMesh {
    /// The most memory the meshes of one circuit may take: half the machine's memory, at most
    /// 8 GiB (a training run keeps one circuit; the solver's lanes and the batch add little).
    public static var memoryLimitBytes: Double {
        min(8 * 1_073_741_824, Double(ProcessInfo.processInfo.physicalMemory) / 2)
    }

    /// Throws, before anything is allocated, when the meshes of `network` on `preset` would
    /// need more than `memoryLimitBytes`; the message gives the estimate and the tile fields.
    public static func checkMemory(network: ResistiveNetwork, preset: HardwarePreset) throws {
        guard preset.usesMesh else { return }
        let bytes = (0..<network.depth).reduce(0.0) { sum, l in
            sum + memoryEstimate(rows: network.nodes(inLayer: l), columns: network.nodes(inLayer: l + 1),
                                 tileRows: preset.tileRows, tileColumns: preset.tileColumns)
        }
        guard bytes <= memoryLimitBytes else {
            let gb = { (b: Double) in String(format: "%.1f GB", b / 1e9) }
            throw CircuitError("the wire meshes of network \(network.architecture.map(String.init).joined(separator: "-")) on preset '\(preset.name)' need about \(gb(bytes)) (P·Q² doubles per tile of P × Q cells, P ≥ Q), above the limit of \(gb(memoryLimitBytes)): set smaller 'tile_rows' and 'tile_columns' in the preset (now \(preset.tileRows) × \(preset.tileColumns), 0 = untiled)")
        }
    }
}

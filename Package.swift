// swift-tools-version: 6.0
//
// eqprop: Initialized Equilibrium Propagation on emulated analog hardware.
//
// Modules follow the data flow (DESIGN.md §5):
//   Numerics   matrices over BLAS, seeded randomness
//   MessagePassing  Open MPI opened at run time (only under mpirun): rank, size, allgather in
//              rank order, broadcast, barrier, abort, checksums compared across ranks
//   Datasets   IDX files, data search path, input encoding
//   Reporting  what a run writes: atomic files, JSON lines, progress, SVG plots and heat maps
//   Equilibrium  the relaxation vocabulary: phases, requests, results, the relaxer protocol,
//              the β-sign plan, the cross-checking relaxer and its comparison
//   EqProp     the layered Hopfield model, its relaxer, the feedforward initializer, the one
//              Init-EqProp minibatch loop and run folders
//   Circuit    deep resistive networks: hardware presets, netlists, SPICE writer, the Swift circuit solver
//   Ngspice    libngspice binding, engine worker processes, the ngspice relaxer
//   CoSimulation  EqProp training of the circuit with either solver, settling measurements
//   Export     safetensors, ONNX, npz, JSON, C
//   eqprop     the command line, thin
import PackageDescription

let package = Package(
    name: "eqprop",
    products: [
        .executable(name: "eqprop", targets: ["eqprop"]),
        .library(name: "EqProp", targets: ["EqProp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Declarations only: libngspice is opened at run time (Sources/CNgspice/shim.h). Not tied
        // to pkg-config, whose -lngspice would make every eqprop command need the library.
        .systemLibrary(name: "CNgspice"),
        // Declarations only, for Open MPI's ABI (Sources/CMPI/shim.h): libmpi is opened at run
        // time and only by a process started by mpirun, so no other command needs it.
        .systemLibrary(name: "CMPI"),

        // The crossbar kernels' inner loops, with AVX2 chosen at run time (Sources/CCrossbar).
        .target(name: "CCrossbar"),

        .target(name: "Numerics", dependencies: ["CBLAS"]),
        .target(name: "MessagePassing", dependencies: ["Numerics", "CMPI"]),
        .target(name: "Datasets", dependencies: ["Numerics", "CZlib"]),
        .target(name: "Reporting", dependencies: ["Numerics", "CZlib"]),
        .target(name: "Equilibrium", dependencies: ["Numerics"]),
        .target(name: "EqProp", dependencies: ["Numerics", "Equilibrium", "Datasets", "Reporting"]),
        .target(name: "Circuit", dependencies: ["Numerics", "Equilibrium", "Reporting", "CCrossbar"]),
        .target(name: "Ngspice", dependencies: ["CNgspice", "Circuit", "Numerics", "Equilibrium"]),
        .target(name: "CoSimulation", dependencies: ["Circuit", "Ngspice", "Equilibrium", "EqProp", "Datasets", "Numerics", "Reporting", "MessagePassing"]),
        .target(name: "Export", dependencies: ["EqProp", "Datasets", "Numerics", "Reporting", "CZlib"]),
        .target(name: "Gradients", dependencies: ["EqProp", "Equilibrium", "Circuit", "Numerics", "Datasets", "Reporting"]),
        .executableTarget(
            name: "eqprop",
            dependencies: [
                "EqProp", "Equilibrium", "Circuit", "Ngspice", "CoSimulation", "Export", "Gradients", "Datasets", "Reporting", "Numerics", "MessagePassing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .target(name: "TestSupport", dependencies: ["Numerics"], path: "Tests/TestSupport"),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics", "TestSupport"]),
        .testTarget(name: "MessagePassingTests", dependencies: ["MessagePassing", "Numerics", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "CZlib", "TestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "TestSupport"]),
        .testTarget(name: "EquilibriumTests", dependencies: ["Equilibrium", "Numerics"]),
        .testTarget(name: "EqPropTests", dependencies: ["EqProp", "Equilibrium", "Numerics", "Datasets", "TestSupport"]),
        .testTarget(name: "eqpropTests", dependencies: ["eqprop", "Datasets", "TestSupport"]),
        .testTarget(name: "CircuitTests", dependencies: ["Circuit", "CCrossbar", "Numerics", "Equilibrium", "EqProp", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "GradientsTests", dependencies: ["Gradients", "EqProp", "Equilibrium", "Circuit", "Numerics"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "EqProp", "Numerics", "Reporting", "Datasets", "TestSupport"]),
        .testTarget(name: "CoSimulationTests", dependencies: ["CoSimulation", "Circuit", "Ngspice", "Equilibrium", "EqProp", "Datasets", "Reporting", "Numerics", "TestSupport"]),
        .testTarget(name: "NgspiceTests", dependencies: ["Ngspice", "Circuit", "Numerics", "Equilibrium", "EqProp", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")]),
    ]
)

import Foundation
import Gradients

extension EqPropCommand.GradCheck {
    /// The outcome as lines of text: one per layer, the fitted orders, the temporal check.
    func printText(_ output: GradientCheck.Outcome) {
        let r = output.check
        for l in r.layers {
            if l.flat {
                print("layer \(l.layer) (\(l.parameters) parameters): no gradient at this point (every unit it drives is clamped or clipped)")
                continue
            }
            print(String(format: "layer %d (%d parameters): centered EqProp vs RBP cos %.8f, rel %.2e; one-sided rel %.2e; iterative RBP rel %.2e; RBP vs finite differences rel %.2e (%d samples)",
                         l.layer, l.parameters, l.cosineCenteredRBP, l.relErrorCenteredRBP, l.relErrorOneSidedRBP,
                         l.relErrorIterativeRBP, l.relErrorRBPFiniteDiff, l.finiteDifferenceSamples))
        }
        func order(_ o: Double?) -> String { o.map { String(format: "%.2f", $0) } ?? "n/a (at the numerical floor)" }
        print("fitted order of the EqProp bias in β: one-sided \(order(r.orderOneSided)), centered \(order(r.orderCentered)); "
              + "\(r.activeUnits) of \(r.units) units active; kink margin \(String(format: "%.2e", r.kinkMargin))")
        if let t = output.temporal {
            print(String(format: "temporal-derivative theorem: max relative difference %.2e over %d times (β = %.0e)",
                         t.maxRelativeDifference, t.times.count, t.beta))
        }
    }
}

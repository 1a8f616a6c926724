using System.Text.Json.Nodes;

namespace Vigil.Fhir;

/// <summary>
/// One issue of a FHIR OperationOutcome: severity (fatal, error, warning, information), the issue type code, a
/// sentence, and the FHIRPath of the element it is about (e.g. <c>Observation.valueQuantity.value</c>).
/// </summary>
internal sealed record Issue(string Severity, string Code, string Diagnostics, string? Expression = null)
{
    public bool IsError => Severity is "error" or "fatal";

    public static Issue Error(string expression, string diagnostics, string code = "invalid") => new("error", code, diagnostics, expression);

    /// <summary>Something Vigil leaves aside (a code that is not a vital sign, a resource it does not keep): reported, not failed.</summary>
    public static Issue Skipped(string? expression, string diagnostics) => new("information", "informational", diagnostics, expression);

    /// <summary>The same issue about an element of a Bundle entry: <c>Observation.x</c> becomes <c>Bundle.entry[3].resource.x</c>.</summary>
    public Issue InEntry(int entry)
    {
        if (Expression is null)
        {
            return this with { Expression = $"Bundle.entry[{entry}]" };
        }

        var dot = Expression.IndexOf('.');
        var rest = dot < 0 ? "" : Expression[dot..];
        return this with { Expression = Expression.StartsWith("Bundle.", StringComparison.Ordinal) ? Expression : $"Bundle.entry[{entry}].resource{rest}" };
    }
}

/// <summary>The OperationOutcome resource (FHIR R4), Vigil's answer to what it refuses or leaves aside.</summary>
internal static class OperationOutcome
{
    public static JsonObject Of(IEnumerable<Issue> issues)
    {
        var list = new JsonArray();
        foreach (var issue in issues)
        {
            var item = new JsonObject
            {
                ["severity"] = issue.Severity,
                ["code"] = issue.Code,
                ["diagnostics"] = issue.Diagnostics,
            };
            if (issue.Expression is not null)
            {
                item["expression"] = new JsonArray(issue.Expression);
            }

            list.Add(item);
        }

        return new JsonObject { ["resourceType"] = "OperationOutcome", ["issue"] = list };
    }

    /// <summary>An error answer: the status and an OperationOutcome naming every problem.</summary>
    public static FhirResult Error(int status, IEnumerable<Issue> issues) => new(status, Of(issues));

    public static FhirResult Error(int status, string code, string diagnostics, string? expression = null) =>
        Error(status, [new Issue("error", code, diagnostics, expression)]);
}

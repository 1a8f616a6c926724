using Vigil.Api;
using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Writes;

namespace Vigil.Hl7;

/// <summary>
/// The customer's HL7 sender allow-list: <c>PUT /api/v1/hl7/senders</c> replaces it, <c>GET</c> reads it (policy
/// manage: a customer admin). The MLLP listener takes messages only from a sender on a list, from an address listed.
/// </summary>
public static class Hl7SenderEndpoints
{
    private const int MaxSenders = 1000;
    private const int MaxAddresses = 64;
    private const int MaxNameLength = 180;

    public sealed record SenderInput(string? Application, string? Facility, List<string?>? Addresses);

    public sealed record SendersRequest(List<SenderInput?>? Senders);

    public sealed record SendersView(IReadOnlyList<Hl7Sender> Senders);

    public static RouteGroupBuilder MapHl7Senders(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/hl7").WithTags("HL7");
        group.MapPut("/senders", PutAsync).RequireAuthorization(Access.Manage)
            .Produces<SendersView>().ProducesProblem(400).ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/senders", GetAsync).RequireAuthorization(Access.Manage).Produces<SendersView>();
        return group;
    }

    private static async Task<IResult> PutAsync(HttpContext http, GroupCommitter writer, Hl7SenderStore store, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<SendersRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var senders = Validate(body.Senders, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var saved = await writer.WriteAsync(ctx => store.Replace(ctx, caller.Tenant, senders, caller.Id), cancellationToken);
        return TypedResults.Ok(new SendersView(saved));
    }

    private static async Task<IResult> GetAsync(HttpContext http, Hl7SenderStore store) =>
        TypedResults.Ok(new SendersView(await store.ListAsync(Caller.From(http.User).Tenant)));

    private static List<Hl7Sender> Validate(List<SenderInput?>? inputs, List<FieldError> errors)
    {
        var senders = new List<Hl7Sender>();
        if (inputs is null || inputs.Count > MaxSenders)
        {
            errors.Add(new FieldError(null, "senders", $"is required: a list of at most {MaxSenders} senders (empty to remove them all)"));
            return senders;
        }

        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var before = errors.Count;
            var input = inputs[i];
            var application = input?.Application?.Trim() ?? "";
            var facility = input?.Facility?.Trim() ?? "";
            if (!IsName(application, required: true))
            {
                errors.Add(new FieldError(i, "application", $"is required: the sending application (MSH-3), 1 to {MaxNameLength} printable characters"));
            }

            if (!IsName(facility, required: false))
            {
                errors.Add(new FieldError(i, "facility", $"must be the sending facility (MSH-4), at most {MaxNameLength} printable characters, or empty"));
            }

            var addresses = input?.Addresses ?? [];
            if (addresses.Count is 0 or > MaxAddresses)
            {
                errors.Add(new FieldError(i, "addresses", $"must list 1 to {MaxAddresses} IP addresses or CIDR blocks the sender connects from (0.0.0.0/0 for any IPv4)"));
            }

            for (var k = 0; k < addresses.Count; k++)
            {
                if (addresses[k] is not { } a || Hl7SenderStore.ParseAddress(a.Trim()) is null)
                {
                    errors.Add(new FieldError(i, $"addresses[{k}]", $"'{addresses[k]}' is not an IP address or a CIDR block (such as 10.1.0.0/16)"));
                }
            }

            if (errors.Count == before && !seen.Add((application, facility)))
            {
                errors.Add(new FieldError(i, "application", $"the sender '{application}' / '{facility}' is listed twice"));
            }

            if (errors.Count == before)
            {
                senders.Add(new Hl7Sender(application, facility, addresses.Select(a => a!.Trim()).ToList()));
            }
        }

        return senders;
    }

    private static bool IsName(string value, bool required) =>
        (value.Length > 0 || !required) && value.Length <= MaxNameLength && value.All(c => !char.IsControl(c));
}

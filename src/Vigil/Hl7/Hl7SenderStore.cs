using System.Net;
using System.Net.Sockets;
using Dapper;
using Vigil.Domain;
using Vigil.Storage;
using Vigil.Storage.Writes;

namespace Vigil.Hl7;

/// <summary>An HL7 sender a customer allows: sending application (MSH-3), facility (MSH-4, "" for none), and the addresses it may connect from.</summary>
public sealed record Hl7Sender(string Application, string Facility, IReadOnlyList<string> Addresses);

/// <summary>
/// The customers' HL7 sender allow-lists (table <c>hl7_senders</c>), and the two lookups an incoming message needs:
/// which customer a sender belongs to (if it may connect from where it does), and which patient PID-3 names.
/// </summary>
public sealed class Hl7SenderStore(IDatabase db)
{
    private sealed record Row(string Application, string Facility, string CustomerId, string Addresses);

    /// <summary>Replaces the customer's senders. A pair another customer already has is a conflict: a message must find one customer.</summary>
    public IReadOnlyList<Hl7Sender> Replace(WriteContext ctx, string customerId, IReadOnlyList<Hl7Sender> senders, string updatedBy)
    {
        ctx.Connection.Execute("DELETE FROM hl7_senders WHERE customer_id = @customerId", new { customerId }, ctx.Transaction);
        var taken = new List<FieldError>();
        for (var i = 0; i < senders.Count; i++)
        {
            var s = senders[i];
            var owner = ctx.Connection.ExecuteScalar<string?>(
                "SELECT customer_id FROM hl7_senders WHERE application = @Application AND facility = @Facility", s, ctx.Transaction);
            if (owner is not null)
            {
                taken.Add(new FieldError(i, "application", $"the sender '{s.Application}' / '{s.Facility}' is registered by another customer"));
                continue;
            }

            ctx.Connection.Execute(
                """
                INSERT INTO hl7_senders (application, facility, customer_id, addresses, updated_at, updated_by)
                VALUES (@Application, @Facility, @customerId, @addresses, @now, @updatedBy)
                """,
                new { s.Application, s.Facility, customerId, addresses = string.Join(' ', s.Addresses), now = EventTime.ToMicros(ctx.Now), updatedBy },
                ctx.Transaction);
        }

        if (taken.Count > 0)
        {
            throw new RejectedException(RejectionKind.Conflict, "A sender is registered by another customer; nothing was changed.", taken);
        }

        return senders;
    }

    public async Task<IReadOnlyList<Hl7Sender>> ListAsync(string customerId)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(
            "SELECT application, facility, customer_id, addresses FROM hl7_senders WHERE customer_id = @customerId ORDER BY application, facility",
            new { customerId });
        return rows.Select(r => new Hl7Sender(r.Application, r.Facility, Split(r.Addresses))).ToList();
    }

    /// <summary>The customer of the sender <paramref name="application"/>/<paramref name="facility"/> connecting from <paramref name="address"/>; null if it is not allowed.</summary>
    public async Task<string?> CustomerOfAsync(string application, string facility, IPAddress address, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            "SELECT application, facility, customer_id, addresses FROM hl7_senders WHERE application = @application AND facility = @facility",
            new { application, facility }, cancellationToken: cancellationToken));
        return row is not null && Split(row.Addresses).Any(a => Contains(a, address)) ? row.CustomerId : null;
    }

    /// <summary>
    /// The patient of <paramref name="customerId"/> one of <paramref name="identifiers"/> (PID-3's, in order) names:
    /// its MRN first, then its Vigil id. Null when none does.
    /// </summary>
    public async Task<string?> PatientAsync(string customerId, IReadOnlyList<string> identifiers, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        foreach (var identifier in identifiers)
        {
            var id = await c.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
                """
                SELECT id FROM patients WHERE customer_id = @customerId AND (mrn = @identifier OR id = @identifier)
                ORDER BY CASE WHEN mrn = @identifier THEN 0 ELSE 1 END LIMIT 1
                """, new { customerId, identifier }, cancellationToken: cancellationToken));
            if (id is not null)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>An IP address or CIDR block, as the allow-list takes it; null when it is neither.</summary>
    public static IPNetwork? ParseAddress(string text) =>
        IPNetwork.TryParse(text, out var network) ? network
        : IPAddress.TryParse(text, out var ip) ? new IPNetwork(ip, ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
        : null;

    private static bool Contains(string allowed, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return ParseAddress(allowed) is { } network && network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address);
    }

    private static string[] Split(string addresses) => addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

using Vigil.Hosting;

namespace Vigil.Hl7;

/// <summary>HL7 v2 over MLLP: the sender store always, the listener when this process runs the hl7 role.</summary>
public static class Hl7Module
{
    public static IHostApplicationBuilder AddVigilHl7(this IHostApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddSingleton<Hl7SenderStore>();
        if (deployment.Runs(Module.Hl7Listener))
        {
            builder.Services.AddOptions<Hl7Options>().BindConfiguration(Hl7Options.Section).ValidateDataAnnotations()
                .Validate(o => System.Net.IPAddress.TryParse(o.Address, out _), "Vigil:Hl7:Address must be an IP address")
                .Validate(o => o.IdleTimeout > TimeSpan.Zero, "Vigil:Hl7:IdleTimeout must be positive")
                .Validate(o => o.RateWindow > TimeSpan.Zero, "Vigil:Hl7:RateWindow must be positive")
                .ValidateOnStart();
            builder.Services.AddSingleton<Hl7Intake>();
            builder.Services.AddSingleton<Hl7Listener>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Hl7Listener>());
        }

        return builder;
    }
}

import type { CommandContext } from "../context.js";
import { formatOptional } from "../output/format.js";
import { type CommandOutput, propertyTable, tableOutput } from "../output/output.js";

/**
 * `tinker whoami` (0.38.0 `tinker auth whoami`): the identity in the credential's JWT — no request
 * is made (tinker-wire-spec.md §10.2 `whoami`). Fails when the server has JWT auth off and the
 * key is a plain `tml-` key.
 */
export async function whoamiCommand(ctx: CommandContext): Promise<CommandOutput> {
  const rest = await ctx.clients.rest();
  const identity = await rest.whoami();
  return tableOutput(
    propertyTable(undefined, [
      ["Email", formatOptional(identity.email)],
      ["User", identity.user_urn],
      ["Organization", identity.org_urn],
    ]),
    { user_urn: identity.user_urn, org_urn: identity.org_urn, email: identity.email ?? null },
  );
}

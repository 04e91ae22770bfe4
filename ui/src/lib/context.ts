// What the app shell offers every screen: a way to say "the vault locked under me".

import { getContext, setContext } from "svelte";

export type AttuneContext = {
  /** Call when a command fails with kind "locked": the app shows the unlock screen. */
  sessionLost: () => void;
};

const KEY = Symbol("attune");

export function setAttuneContext(ctx: AttuneContext): void {
  setContext(KEY, ctx);
}

export function getAttuneContext(): AttuneContext {
  return getContext<AttuneContext | undefined>(KEY) ?? { sessionLost: () => {} };
}

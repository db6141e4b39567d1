import { pathToFileURL } from 'node:url';
import { PingoraError } from '@pingora-ts/error';
import type { AppFactory, Application } from './application.js';
import type { ServiceConfig } from './config.js';

/**
 * Imports a service's application module and calls its factory (`default` export, or
 * `createApp`) with the service's `app_options`.
 *
 * @throws PingoraError `InternalError` when the module cannot be imported, exports no factory,
 * or the factory does not return an {@link Application}.
 */
export async function loadApplication(service: ServiceConfig): Promise<Application> {
  const context = `loading app ${service.app} of service ${service.name}`;
  let mod: { default?: unknown; createApp?: unknown };
  try {
    mod = (await import(pathToFileURL(service.app).href)) as typeof mod;
  } catch (cause) {
    throw PingoraError.because('InternalError', context, cause);
  }
  const factory = typeof mod.default === 'function' ? mod.default : mod.createApp;
  if (typeof factory !== 'function') {
    throw PingoraError.explain(
      'InternalError',
      `${context}: exports no default or createApp function`,
    );
  }
  const app: unknown = await (factory as AppFactory)(service.appOptions ?? {}, {
    name: service.name,
  });
  if (typeof (app as Application | null)?.handleConnection !== 'function') {
    throw PingoraError.explain(
      'InternalError',
      `${context}: the factory returned no handleConnection`,
    );
  }
  return app as Application;
}

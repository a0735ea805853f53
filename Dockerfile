# The reserve operator image. Build from the repository root:
#   docker build -t reserve:0.1.0 .
# Node.js 24 is the active LTS line; the runtime stage holds the compiled JavaScript and the
# production dependencies only, and runs as the unprivileged node user (uid 1000).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs an install script. Skipping them also skips the `node` dev package,
# which would download a second Node.js binary for local development only.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && node "$(node -p 'require("./package.json").bin.reserve')" --help > /dev/null

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
USER 1000:1000
# Webhooks (HTTPS) and probes and metrics (HTTP).
EXPOSE 9443 8080
ENTRYPOINT ["node", "dist/operator/main.js"]
